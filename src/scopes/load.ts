// Loads a scopes directory (environments.yaml, actions.yaml, one file per scope) and reports every problem in it.
import { createHash } from "node:crypto";
import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import { LineCounter, parseDocument } from "yaml";
import type { z } from "zod";
import { formatPath } from "./format-path.ts";
import {
  checkIdentityTrust,
  IDENTITIES_FILE,
  identitiesFileSchema,
  NO_IDENTITY_TRUST,
} from "./identities.ts";
import {
  type Action,
  actionName,
  actionsFileSchema,
  didYouMean,
  type Environment,
  environmentsFileSchema,
  identifier,
  type Scope,
  type ScopeProblem,
  scopeIssueMessage,
  scopeSchema,
} from "./schema.ts";
import type { ScopeSet } from "./scope-set.ts";

export const ENVIRONMENTS_FILE = "environments.yaml";
export const ACTIONS_FILE = "actions.yaml";

export type LoadScopeSetResult = { ok: true; set: ScopeSet } | { ok: false; problems: ScopeProblem[] };

/** `file: path: message`, the one line a person reads. */
export function formatProblem(p: ScopeProblem): string {
  return `${p.file}: ${p.path}: ${p.message}`;
}

interface ParsedFile {
  name: string;
  file: string;
  /** undefined when the file could not be read or is not valid YAML (problems already recorded). */
  data?: unknown;
}

/**
 * Reads and validates every file in `dir`. Nothing is returned unless the whole set is usable: one bad file makes
 * the set fail, and every problem in every file is reported, not just the first.
 */
export async function loadScopeSet(dir: string): Promise<LoadScopeSetResult> {
  const problems: ScopeProblem[] = [];
  const names = await listYamlFiles(dir, problems);
  if (names === undefined) return { ok: false, problems };

  const hash = createHash("sha256");
  const files = new Map<string, ParsedFile>();
  for (const name of names) {
    const file = path.join(dir, name);
    const parsed: ParsedFile = { name, file };
    files.set(name, parsed);
    let text: string;
    try {
      text = await readFile(file, "utf8");
    } catch (error) {
      problems.push({ file, path: "(root)", message: `cannot read the file (${errorText(error)})` });
      continue;
    }
    hash.update(name).update("\0").update(text).update("\0");
    parsed.data = parseYaml(text, file, problems);
  }

  const environments = loadEnvironments(
    files.get(ENVIRONMENTS_FILE),
    path.join(dir, ENVIRONMENTS_FILE),
    problems,
  );
  const actions = loadActions(files.get(ACTIONS_FILE), path.join(dir, ACTIONS_FILE), problems);
  checkEnvironmentLimits(environments, actions, path.join(dir, ENVIRONMENTS_FILE), problems);

  const identitiesFile = files.get(IDENTITIES_FILE);
  let identities = NO_IDENTITY_TRUST;
  if (identitiesFile && identitiesFile.data !== undefined) {
    const data = validate(identitiesFileSchema, identitiesFile.data, identitiesFile.file, problems);
    const trust = data && (await checkIdentityTrust(data, identitiesFile.file, environments.names, problems));
    if (trust) identities = trust;
  }

  const scopes = new Map<string, Scope>();
  for (const parsed of files.values()) {
    if ([ENVIRONMENTS_FILE, ACTIONS_FILE, IDENTITIES_FILE].includes(parsed.name)) continue;
    const scope = loadScope(parsed, environments, actions, problems);
    if (scope) scopes.set(scope.id, scope);
  }

  // Grouped by file (stable, so each file keeps its own order) for a readable report.
  if (problems.length > 0) return { ok: false, problems: problems.sort((a, b) => compare(a.file, b.file)) };
  return {
    ok: true,
    set: {
      environments: environments.valid,
      actions: actions.valid,
      scopes,
      identities,
      hash: hash.digest("hex"),
    },
  };
}

async function listYamlFiles(dir: string, problems: ScopeProblem[]): Promise<string[] | undefined> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch (error) {
    const got = (error as { code?: unknown }).code === "ENOENT" ? "nothing" : errorText(error);
    problems.push({ file: dir, path: "(root)", message: `expected a directory of scope files, got ${got}` });
    return undefined;
  }
  const names: string[] = [];
  // Hidden entries are skipped: Kubernetes ConfigMap mounts keep their `..data` plumbing there.
  for (const name of entries.filter((n) => !n.startsWith(".")).sort()) {
    if (!name.endsWith(".yaml") && !name.endsWith(".yml")) continue;
    // stat, not the dirent: ConfigMap files are symlinks to regular files.
    const isFile = await stat(path.join(dir, name)).then(
      (s) => s.isFile(),
      () => false,
    );
    if (!isFile) continue;
    if (name.endsWith(".yml")) {
      // Silently skipping it would leave someone wondering why their scope does not exist.
      problems.push({
        file: path.join(dir, name),
        path: "(root)",
        message: `expected the extension ".yaml", got ".yml" (the file would be ignored)`,
      });
      continue;
    }
    names.push(name);
  }
  return names;
}

/**
 * Parses one YAML document; syntax errors and warnings become problems with line and column, and `undefined` is
 * returned. Shared by every YAML file leash reads (scopes, proxy config) so they report the same way.
 */
export function parseYaml(text: string, file: string, problems: ScopeProblem[]): unknown {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const issues = [...doc.errors, ...doc.warnings];
  for (const issue of issues) {
    const { line, col } = lineCounter.linePos(issue.pos[0]);
    const message =
      issue.code === "MULTIPLE_DOCS"
        ? "expected one document, got several (remove the --- separator)"
        : issue.message.split("\n")[0]!.replace(/:$/, "");
    problems.push({
      file,
      path: "(root)",
      message: `invalid YAML at line ${line}, column ${col}: ${message}`,
    });
  }
  if (issues.length > 0) return undefined;
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    problems.push({ file, path: "(root)", message: `invalid YAML: ${errorText(error)}` });
    return undefined;
  }
}

function validate<T extends z.ZodType>(
  schema: T,
  data: unknown,
  file: string,
  problems: ScopeProblem[],
): z.output<T> | undefined {
  const result = schema.safeParse(data, { error: scopeIssueMessage });
  if (result.success) return result.data;
  for (const issue of result.error.issues) {
    problems.push({ file, path: formatPath(issue.path), message: issue.message });
  }
  return undefined;
}

/**
 * What other files may refer to. `names` is filled even when the file fails validation, from whatever entries
 * carry a name, so a typo in environments.yaml does not also make every scope report "unknown environment".
 */
interface Catalogue<T> {
  valid: Map<string, T>;
  /** The validated entries in file order (duplicates included), for problems that point at an index. */
  list: T[];
  /** undefined when the file is missing or unreadable: cross-checks against it are skipped. */
  names?: Set<string>;
}

function rawNames(data: unknown, key: string): Set<string> | undefined {
  if (!data || typeof data !== "object" || !Array.isArray((data as Record<string, unknown>)[key]))
    return undefined;
  const names = new Set<string>();
  for (const entry of (data as Record<string, unknown[]>)[key]!) {
    const name = entry && typeof entry === "object" ? (entry as { name?: unknown }).name : undefined;
    if (typeof name === "string") names.add(name);
  }
  return names;
}

function missingFile(file: string, what: string): ScopeProblem {
  return {
    file,
    path: "(root)",
    message: `expected a file defining ${what}, got nothing (the file is missing)`,
  };
}

function loadEnvironments(
  parsed: ParsedFile | undefined,
  file: string,
  problems: ScopeProblem[],
): Catalogue<Environment> {
  const valid = new Map<string, Environment>();
  if (!parsed) {
    problems.push(missingFile(file, "the environments"));
    return { valid, list: [] };
  }
  if (parsed.data === undefined) return { valid, list: [] };
  const names = rawNames(parsed.data, "environments");
  const data = validate(environmentsFileSchema, parsed.data, file, problems);
  if (!data) return { valid, list: [], names };
  const firstIndex = new Map<string, number>();
  data.environments.forEach((environment, i) => {
    const first = firstIndex.get(environment.name);
    if (first !== undefined) {
      problems.push({
        file,
        path: `environments[${i}].name`,
        message: `expected a unique environment name, got ${JSON.stringify(environment.name)} again (first at environments[${first}])`,
      });
      return;
    }
    firstIndex.set(environment.name, i);
    valid.set(environment.name, environment);
  });
  return { valid, list: data.environments, names };
}

function loadActions(
  parsed: ParsedFile | undefined,
  file: string,
  problems: ScopeProblem[],
): Catalogue<Action> {
  const valid = new Map<string, Action>();
  if (!parsed) {
    problems.push(missingFile(file, "the action catalogue"));
    return { valid, list: [] };
  }
  if (parsed.data === undefined) return { valid, list: [] };
  const names = rawNames(parsed.data, "actions");
  const data = validate(actionsFileSchema, parsed.data, file, problems);
  if (!data) return { valid, list: [], names };
  const firstIndex = new Map<string, number>();
  data.actions.forEach((action, i) => {
    const first = firstIndex.get(action.name);
    if (first !== undefined) {
      problems.push({
        file,
        path: `actions[${i}].name`,
        message: `expected a unique action name, got ${JSON.stringify(action.name)} again (first at actions[${first}])`,
      });
      return;
    }
    firstIndex.set(action.name, i);
    valid.set(action.name, action);
  });
  return { valid, list: data.actions, names };
}

/** Environment limits may only name actions from the catalogue; checked once both files are in. */
function checkEnvironmentLimits(
  environments: Catalogue<Environment>,
  actions: Catalogue<Action>,
  file: string,
  problems: ScopeProblem[],
): void {
  const known = actions.names;
  if (!known) return;
  environments.list.forEach((environment, i) => {
    environment.limits.forEach((limit, j) => {
      if ("action" in limit.match && !known.has(limit.match.action)) {
        problems.push({
          file,
          path: `environments[${i}].limits[${j}].match.action`,
          message: unknownAction(limit.match.action, known),
        });
      }
    });
  });
}

function unknownAction(name: string, known: Set<string>): string {
  return `expected an action from actions.yaml, got ${JSON.stringify(name)}${didYouMean(name, known)}`;
}

function loadScope(
  parsed: ParsedFile,
  environments: Catalogue<Environment>,
  actions: Catalogue<Action>,
  problems: ScopeProblem[],
): Scope | undefined {
  const { file } = parsed;
  const id = parsed.name.slice(0, -".yaml".length);
  const idOk = identifier.safeParse(id).success;
  if (!idOk) {
    problems.push({
      file,
      path: "(root)",
      message: `expected the file name to be a scope id of letters, digits, "-" or "_", got ${JSON.stringify(id)}`,
    });
  }
  if (parsed.data === undefined) return undefined;
  const data = validate(scopeSchema, parsed.data, file, problems);
  // Cross-checks read the raw document so that a file with a schema error still reports its unknown names too.
  const crossOk = checkScopeReferences(parsed.data, file, environments, actions, problems);
  return data && idOk && crossOk ? { ...data, id, file } : undefined;
}

/** The scope's environment and actions must exist in the other two files; false when one does not. */
function checkScopeReferences(
  raw: unknown,
  file: string,
  environments: Catalogue<Environment>,
  actions: Catalogue<Action>,
  problems: ScopeProblem[],
): boolean {
  if (!raw || typeof raw !== "object") return true;
  const { environment, actions: granted } = raw as { environment?: unknown; actions?: unknown };
  let ok = true;
  const knownEnvironments = environments.names;
  if (knownEnvironments && typeof environment === "string" && !knownEnvironments.has(environment)) {
    ok = false;
    const known = [...knownEnvironments];
    problems.push({
      file,
      path: "environment",
      message: `expected an environment from environments.yaml (${known.join(", ")}), got ${JSON.stringify(environment)}${didYouMean(environment, known)}`,
    });
  }
  const knownActions = actions.names;
  if (knownActions && Array.isArray(granted)) {
    granted.forEach((action: unknown, i) => {
      // Malformed names already have a schema problem; only well-formed unknown ones are reported here.
      if (actionName.safeParse(action).success && !knownActions.has(action as string)) {
        ok = false;
        problems.push({
          file,
          path: `actions[${i}]`,
          message: unknownAction(action as string, knownActions),
        });
      }
    });
  }
  return ok;
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
