// The project's own task files, read where the command runs: the recipes `just` runs, the scripts `composer` runs
// and the tasks `deno task` runs are judged as the shell commands they hold, as package.json's scripts are.
import type { Analysis } from "../analysis.ts";
import { interpreterOf, runsInShell } from "../shebang.ts";
import { shellQuoted } from "../shell-quote.ts";
import type { ProjectFile } from "../types.ts";
import { judgeFileCommand } from "../written-scripts.ts";

/** What an interpolation the guard does not evaluate (`{{version}}`) stands for in the shell text. */
const UNKNOWN_VALUE = "$LEASH_TASK_VALUE";

/** Judges one command from a task file, once per command; the task's name is still judged as before. */
function judgeTaskCommand(
  an: Analysis,
  runner: string,
  file: ProjectFile,
  task: string,
  command: string,
): void {
  judgeFileCommand(an, file, `${file.path}#${task}#${command}`, `${runner} runs the task ${task}`, command);
}

/** A justfile recipe: its dependencies and its body's lines. */
interface Recipe {
  dependencies: string[];
  lines: string[];
}

/** `name param…: dep…` at the start of a line (`@name` for a quiet one); not `name := value`. */
const RECIPE_HEADER = /^@?([A-Za-z_][\w-]*)((?:\s+[^:\s]+)*)\s*:(?!=)(.*)$/;

function justRecipes(text: string): Map<string, Recipe> {
  const recipes = new Map<string, Recipe>();
  let current: Recipe | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (/^\s+\S/.test(line) && current) {
      current.lines.push(line.trim());
      continue;
    }
    if (!line.trim() || line.trimStart().startsWith("#")) {
      if (!line.trim()) continue;
      if (!/^\s/.test(line)) current = null;
      continue;
    }
    const header = RECIPE_HEADER.exec(line);
    if (!header) {
      current = null;
      continue;
    }
    const dependencies = [...header[3]!.matchAll(/\(\s*([A-Za-z_][\w-]*)|([A-Za-z_][\w-]*)/g)]
      .map((m) => m[1] ?? m[2]!)
      .filter((name, i, all) => all.indexOf(name) === i);
    current = { dependencies, lines: [] };
    recipes.set(header[1]!, current);
  }
  return recipes;
}

/**
 * `just [recipe…]`: the recipes named (the first, or `default`, when none), their dependencies first, each line as
 * the shell runs it once `{{…}}` is filled in; a recipe whose `#!` line names another interpreter is code, not read.
 */
export function judgeJustRecipes(an: Analysis, words: readonly string[], justfile?: string): void {
  const file = (justfile ? [justfile] : ["justfile", "Justfile", ".justfile"])
    .map((name) => an.projectFile(name))
    .find(Boolean);
  if (!file) return;
  const recipes = justRecipes(file.text);
  const named = words.filter((w) => recipes.has(w));
  const goals = named.length ? named : recipes.has("default") ? ["default"] : [...recipes.keys()].slice(0, 1);
  const made = new Set<string>();
  const make = (name: string) => {
    const recipe = recipes.get(name);
    if (!recipe || made.has(name)) return;
    made.add(name);
    for (const dependency of recipe.dependencies) make(dependency);
    const body = recipe.lines.map((l) => l.replace(/\{\{[^}]*\}\}/g, UNKNOWN_VALUE));
    if (body[0]?.startsWith("#!")) {
      if (runsInShell(interpreterOf(body.join("\n"))))
        judgeTaskCommand(an, "just", file, name, body.join("\n"));
      return;
    }
    for (const line of body) {
      const command = line.replace(/^[@-]+/, "");
      if (command && !command.startsWith("#")) judgeTaskCommand(an, "just", file, name, command);
    }
  };
  for (const goal of goals) make(goal);
}

/** A JSON file's value, null when it is none; `//` comment lines are dropped first (deno.jsonc). */
function jsonOf(file: ProjectFile | null): unknown {
  if (!file) return null;
  try {
    return JSON.parse(file.text.replace(/^\s*\/\/.*$/gm, ""));
  } catch {
    return null;
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  !!v && typeof v === "object" && !Array.isArray(v);

/** The object a JSON text holds under `key` (package.json's `scripts`), or null when it holds none or is no JSON. */
export function jsonObjectAt(text: string, key: string): Record<string, unknown> | null {
  try {
    const value = (JSON.parse(text) as Record<string, unknown> | null)?.[key];
    return isRecord(value) ? value : null;
  } catch {
    return null;
  }
}

/**
 * `composer run-script NAME` (or `composer NAME`): each of the script's commands; `@other` runs another script of the
 * file, `@php …` and `Class::method` are PHP, not read. `args` are appended to the commands.
 */
export function judgeComposerScript(an: Analysis, name: string, args: readonly string[]): void {
  const file = an.projectFile("composer.json");
  const scripts = (jsonOf(file) as { scripts?: unknown } | null)?.scripts;
  if (!file || !isRecord(scripts)) return;
  const seen = new Set<string>();
  const run = (script: string) => {
    if (seen.has(script)) return;
    seen.add(script);
    const value = scripts[script];
    for (const command of typeof value === "string" ? [value] : Array.isArray(value) ? value : []) {
      if (typeof command !== "string") continue;
      const other = /^@([\w:.-]+)$/.exec(command.trim())?.[1];
      if (other && other !== "php" && other !== "composer") run(other);
      else if (!command.startsWith("@") && !/^[\w\\]+::\w+$/.test(command.trim()))
        judgeTaskCommand(
          an,
          "composer",
          file,
          script,
          args.length ? `${command} ${args.map(shellQuoted).join(" ")}` : command,
        );
    }
  };
  run(name);
}

/** `deno task NAME`: the task's command in deno.json or deno.jsonc, its dependencies first. */
export function judgeDenoTask(an: Analysis, name: string): void {
  const file = an.projectFile("deno.json") ?? an.projectFile("deno.jsonc");
  const tasks = (jsonOf(file) as { tasks?: unknown } | null)?.tasks;
  if (!file || !isRecord(tasks)) return;
  const seen = new Set<string>();
  const run = (task: string) => {
    if (seen.has(task)) return;
    seen.add(task);
    const value = tasks[task];
    const spec = typeof value === "string" ? { command: value } : isRecord(value) ? value : null;
    if (!spec) return;
    if (Array.isArray(spec.dependencies))
      for (const d of spec.dependencies) if (typeof d === "string") run(d);
    if (typeof spec.command === "string") judgeTaskCommand(an, "deno task", file, task, spec.command);
  };
  run(name);
}
