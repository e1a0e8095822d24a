// Build step after tsc: copies the files under src/ that tsc does not emit (the console's HTML, CSS and browser
// JavaScript, and any other non-TypeScript asset) to the same place under dist/, and removes what no source makes any
// more. The build is incremental (dist/.tsbuildinfo), so dist/ is kept between builds instead of emptied.
import { chmodSync, cpSync, existsSync, readdirSync, rmSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const source = join(root, "src");
const target = join(root, "dist");

for (const entry of readdirSync(source, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || /\.c?ts$/.test(entry.name)) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join(target, relative(source, from)));
}

/** The file under src/ that an output under dist/ comes from. */
function sourceOf(output) {
  const path = relative(target, output);
  // tsc writes x.js and x.d.ts for x.ts, x.cjs and x.d.cts for x.cts (CommonJS).
  for (const [out, from] of [
    [".d.ts", ".ts"],
    [".js", ".ts"],
    [".d.cts", ".cts"],
    [".cjs", ".cts"],
  ]) {
    if (!path.endsWith(out)) continue;
    const compiled = join(source, `${path.slice(0, -out.length)}${from}`);
    if (existsSync(compiled)) return compiled;
  }
  return join(source, path);
}

// dist/hook/ is the hook's bundle, made whole by scripts/bundle-hook.mjs after this step.
const BUNDLE = join(target, "hook");
for (const entry of readdirSync(target, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name === ".tsbuildinfo") continue;
  const output = join(entry.parentPath, entry.name);
  if (output.startsWith(`${BUNDLE}/`)) continue;
  if (!existsSync(sourceOf(output))) rmSync(output);
}

// The installed command is run directly (`#!/usr/bin/env node`).
chmodSync(join(target, "cli", "bin.cjs"), 0o755);
