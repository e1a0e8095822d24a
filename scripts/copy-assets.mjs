// Build step after tsc: copies the files under src/ that tsc does not emit (the console's HTML, CSS and browser
// JavaScript, and any other non-TypeScript asset) to the same place under dist/.
import { chmodSync, cpSync, readdirSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const source = join(root, "src");
const target = join(root, "dist");

for (const entry of readdirSync(source, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || entry.name.endsWith(".ts")) continue;
  const from = join(entry.parentPath, entry.name);
  cpSync(from, join(target, relative(source, from)));
}

// The installed command is run directly (`#!/usr/bin/env node`).
chmodSync(join(target, "cli", "bin.js"), 0o755);
