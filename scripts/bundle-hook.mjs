// Build step after tsc: bundles `leash hook …` (src/cli/hook-main.ts) into dist/hook/. An agent runs the hook before
// every shell command, and most of a short process's start-up is finding, reading and linking modules; one bundle
// (split where the hook loads code lazily, such as the SQL parser or the task-token check) loads a handful of files.
import { readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = join(root, "dist", "hook");

/**
 * Bundled in: plain JavaScript packages (commander on every call; YAML only for an environments.yaml the plain reader
 * leaves to it, zod when a hook checks a task token or a variable). Other packages load their own files at run time
 * (the SQL parser's WebAssembly, for one), so they stay where npm put them.
 */
const BUNDLED = new Set(["commander", "yaml", "zod"]);
const { dependencies } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

rmSync(outdir, { recursive: true, force: true });
await build({
  entryPoints: { main: join(root, "src", "cli", "hook-main.ts") },
  outdir,
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  external: Object.keys(dependencies).filter((name) => !BUNDLED.has(name)),
  // Bundled CommonJS packages call require() for Node's built-in modules, which ES modules lack.
  banner: {
    js: 'import { createRequire as bundleCreateRequire } from "node:module"; const require = bundleCreateRequire(import.meta.url);',
  },
  logLevel: "warning",
});
