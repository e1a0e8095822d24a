// A package script, make target, build task or the project's own program is opaque: its name and arguments are all
// there is to go on.
import type { Analysis } from "../analysis.ts";
import { camelCaseSplit, destructiveWord, revertsMigrations } from "../vocabulary.ts";
import { dryRunFlag } from "./unjudged-words.ts";

/**
 * Words that say a script destroys, whole or glued to what it destroys (`dropdb`, `reset_all`); API-style names
 * (`dropDatabase`, `runMain com.acme.Purge`) are split at their capitals first.
 */
const SCRIPT_WORDS =
  /(^|[^a-z])(drop|reset|wipe|purge|destroy|truncate|nuke|teardown|fresh|rollback|undo|delete|remove|flush|erase|prune)(?:dbs?|databases?|schemas?|tables?|all|data)?([^a-z]|$)/i;

/** Asks about a target whose name says it destroys. */
export function opaqueTarget(tool: string, target: string, an: Analysis): void {
  const word = SCRIPT_WORDS.exec(camelCaseSplit(target))?.[2] ?? revertsMigrations([target]);
  if (word) an.uncertain(`${tool} ${target} runs a script whose name says "${word.toLowerCase()}"`, true);
}

/** A program of the project, named by its path, package or jar, run with these arguments. */
export function projectProgram(tool: string, program: string, args: readonly string[], an: Analysis): void {
  opaqueTarget(tool, program, an);
  const word = destructiveWord(args.join(" ")) ?? revertsMigrations([program, ...args]);
  if (!word) return;
  const dryRun = dryRunFlag(args);
  if (dryRun) an.harmless(`${tool} ${program} with "${word}", but ${dryRun} only reports`);
  else an.uncertain(`${tool} ${program} runs the project's program with "${word}" in its arguments`, true);
}
