// Build step after tsc: bundles `leash hook …` (src/cli/hook-main.ts) into one CommonJS file, dist/hook/main.cjs, and
// saves V8's code cache for it. An agent runs the hook before every shell command, and most of a short process's
// start-up is finding, reading, linking and compiling modules: src/cli/hook-bundle.ts loads the one file as a script
// with the cache, so the code a hook call runs is not compiled again.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";

const root = fileURLToPath(new URL("..", import.meta.url));
const outdir = join(root, "dist", "hook");

/**
 * Plain JavaScript packages the hook needs only sometimes (commander for help and errors, YAML for an
 * environments.yaml the plain reader leaves to it, zod when a hook checks a task token or a variable): each is bundled
 * into its own file under vendor/, read only when it is needed. In the hook's bundle they would be most of its source,
 * read on every call. Other packages load their own files at run time (the SQL parser's WebAssembly, for one), so
 * they stay where npm put them.
 */
const VENDORED = ["commander", "yaml", "zod"];
const { dependencies } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
// Without whitespace and comments the bundle is a third smaller and plain ASCII (esbuild escapes other characters in
// strings, not in comments), which Node decodes on every call in a fraction of the time mixed text takes.
const common = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node20",
  logLevel: "warning",
  minifyWhitespace: true,
};

rmSync(outdir, { recursive: true, force: true });
await build({
  ...common,
  entryPoints: Object.fromEntries(VENDORED.map((name) => [name, name])),
  outdir: join(outdir, "vendor"),
  outExtension: { ".js": ".cjs" },
});
await build({
  ...common,
  entryPoints: [join(root, "src", "cli", "hook-main.ts")],
  outfile: join(outdir, "main.cjs"),
  external: Object.keys(dependencies).filter((name) => !VENDORED.includes(name)),
  // import() of code the hook needs only sometimes becomes a require() run when it is needed: the code is in the
  // bundle (and its cache) but runs, like a lazily loaded module, only on the paths that need it.
  supported: { "dynamic-import": false },
  define: { "import.meta.url": "__bundleUrl" },
  banner: { js: 'const __bundleUrl = require("node:url").pathToFileURL(__filename).href;' },
  plugins: [
    {
      name: "vendored",
      setup(bundle) {
        const names = new RegExp(`^(${VENDORED.join("|")})$`);
        bundle.onResolve({ filter: names }, ({ path }) => ({ path: `./vendor/${path}.cjs`, external: true }));
      },
    },
  ],
});

// One hook call on a harmless command, in a project without scopes, compiles what every call runs; the cache holds
// that code. Caching more (the guard's whole rule set) makes a bigger cache that costs more to read than it saves.
const project = mkdtempSync(join(tmpdir(), "leash-hook-cache-"));
const event = { hook_event_name: "PreToolUse", tool_name: "Bash", tool_input: { command: "git status" } };
const saved = spawnSync(process.execPath, [join(root, "scripts", "hook-code-cache.mjs")], {
  cwd: project,
  input: JSON.stringify(event),
  env: { PATH: process.env.PATH, HOME: process.env.HOME },
  encoding: "utf8",
});
rmSync(project, { recursive: true, force: true });
if (saved.status !== 0) {
  process.stderr.write(saved.stderr);
  throw new Error("saving the hook's code cache failed");
}
