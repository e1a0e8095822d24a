// A package manager running one of the project's scripts (`npm run db:reset`, `yarn clean`, `npm test`): where the
// command is judged on its machine, the script's text in package.json is judged as the shell that runs it, with the
// `pre` and `post` scripts npm runs around it.
import type { Analysis } from "../analysis.ts";
import { shellQuoted } from "../shell-quote.ts";
import type { ProjectFile } from "../types.ts";
import { judgeFileCommand } from "../written-scripts.ts";
import { jsonObjectAt } from "./task-files.ts";

/** package.json's `scripts` on disk, or null when there is no such file or it holds no scripts. */
function packageScripts(an: Analysis): PackageScripts | null {
  const file = an.projectFile("package.json");
  const scripts = file && jsonObjectAt(file.text, "scripts");
  return scripts ? { file, scripts } : null;
}

interface PackageScripts {
  file: ProjectFile;
  scripts: Record<string, unknown>;
}

/**
 * `runner` runs the package script `name` with `args` appended to its text (what follows the name, or `--`): each of
 * `pre<name>`, `<name>` and `post<name>` there is, judged once per command. The name is still judged as before.
 */
export function judgePackageScript(
  runner: string,
  name: string,
  args: readonly string[],
  an: Analysis,
): void {
  const found = packageScripts(an);
  if (found) judgeScripts(runner, found, [`pre${name}`, name, `post${name}`], name, args, an);
}

/** Install's scripts, which npm, pnpm, yarn and bun run in the project after installing its dependencies. */
const INSTALL = [
  "preinstall",
  "install",
  "postinstall",
  "prepublish",
  "preprepare",
  "prepare",
  "postprepare",
];
const PACK = ["prepack", "prepare", "postpack"];

/**
 * The package scripts a package manager's own command runs in the project, as npm documents them (`npm install` runs
 * `postinstall`, `npm restart` runs `stop` and `start` when there is no `restart`).
 */
const LIFECYCLE = new Map<string, (has: (script: string) => boolean) => string[]>([
  ["install", () => INSTALL],
  ["ci", () => INSTALL],
  ["rebuild", () => ["preinstall", "install", "postinstall", "prepare"]],
  ["pack", () => PACK],
  ["publish", () => ["prepublishOnly", ...PACK, "prepublish", "publish", "postpublish"]],
  ["version", () => ["preversion", "version", "postversion"]],
  ["install-test", () => [...INSTALL, "pretest", "test", "posttest"]],
  ["install-ci-test", () => [...INSTALL, "pretest", "test", "posttest"]],
  // A `restart` script is judged as `npm test`'s is, with the words after it.
  [
    "restart",
    (has) => (has("restart") ? [] : ["prestop", "stop", "poststop", "prestart", "start", "poststart"]),
  ],
]);

/** The lifecycle command a package manager's subcommand is (`i` and `isntall` are npm's install), if any. */
export function lifecycleCommand(sub: string): string | undefined {
  if (LIFECYCLE.has(sub)) return sub;
  if (/^(?:i|in|ins|inst|insta|instal|isnt|isnta|isntal|isntall)$/.test(sub)) return "install";
  if (/^(?:clean-install|ic|install-clean|isntall-clean)$/.test(sub)) return "ci";
  if (sub === "rb") return "rebuild";
  if (sub === "it") return "install-test";
  if (sub === "cit" || sub === "clean-install-test" || sub === "sit") return "install-ci-test";
  return undefined;
}

/** `runner`'s lifecycle `command` (lifecycleCommand's): each of the project's scripts it runs, judged once. */
export function judgeLifecycleScripts(runner: string, command: string, an: Analysis): void {
  const found = packageScripts(an);
  const scripts = found && LIFECYCLE.get(command)?.((script) => typeof found.scripts[script] === "string");
  if (scripts) judgeScripts(runner, found, scripts, undefined, [], an);
}

/** Each of `scripts` the package has, judged once per command; `args` are appended to the one named `name`. */
function judgeScripts(
  runner: string,
  found: PackageScripts,
  scripts: readonly string[],
  name: string | undefined,
  args: readonly string[],
  an: Analysis,
): void {
  for (const script of scripts) {
    const text = found.scripts[script];
    if (typeof text !== "string") continue;
    const run = script === name && args.length ? `${text} ${args.map(shellQuoted).join(" ")}` : text;
    judgeFileCommand(
      an,
      found.file,
      `${found.file.path}#${script}`,
      `${runner} runs the script ${script}`,
      run,
    );
  }
}
