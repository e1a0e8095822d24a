// Temporary scope directories for the scopes tests: the shipped environments and actions plus the files a test writes.
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { lintScopeDir } from "../../src/scopes/lint.ts";
import { formatProblem, loadScopeSet } from "../../src/scopes/load.ts";

export const SHIPPED_DIR = fileURLToPath(new URL("../../scopes", import.meta.url));

const created: string[] = [];

/**
 * A temp dir holding the shipped environments.yaml and actions.yaml (unless `files` overrides them, or sets them to
 * null to leave them out) and `files`.
 */
export async function scopeDir(files: Record<string, string | null>): Promise<string> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "leash-scopes-"));
  created.push(dir);
  const all: Record<string, string | null> = {
    "environments.yaml": await readFile(path.join(SHIPPED_DIR, "environments.yaml"), "utf8"),
    "actions.yaml": await readFile(path.join(SHIPPED_DIR, "actions.yaml"), "utf8"),
    ...files,
  };
  for (const [name, text] of Object.entries(all)) {
    if (text !== null) await writeFile(path.join(dir, name), text);
  }
  return dir;
}

export async function removeScopeDirs(): Promise<void> {
  await Promise.all(created.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Problem lines from loading `dir`, with the dir prefix cut so expectations read `file.yaml: path: message`. */
export async function loadProblems(dir: string): Promise<string[]> {
  const result = await loadScopeSet(dir);
  return result.ok ? [] : result.problems.map((p) => relative(dir, formatProblem(p)));
}

/** Problem lines from load + lint. */
export async function lintProblems(dir: string): Promise<string[]> {
  const { problems } = await lintScopeDir(dir);
  return problems.map((p) => relative(dir, formatProblem(p)));
}

function relative(dir: string, line: string): string {
  return line.startsWith(`${dir}${path.sep}`) ? line.slice(dir.length + 1) : line;
}

/** A valid staging scope as YAML, with `overrides` replacing whole top-level entries (null removes one). */
export function stagingScope(overrides: Record<string, string | null> = {}): string {
  const entries: Record<string, string | null> = {
    description: "description: test scope",
    environment: "environment: staging",
    agents: 'agents: ["*"]',
    actions: "actions: [volume:read, volume:delete]",
    resources: 'resources: ["railway:prj_demo/env/staging/**"]',
    ttl: "ttl: {default: 15m, max: 1h}",
    ...overrides,
  };
  return `${Object.values(entries)
    .filter((line) => line !== null)
    .join("\n")}\n`;
}
