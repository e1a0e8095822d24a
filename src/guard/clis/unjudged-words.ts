// Subcommand words no rule judged: destructive-sounding ones are asked about, as they are for a program the tables do
// not know, so knowing a tool never makes its unjudged subcommands (`velero backup delete`) pass unasked.
import type { Analysis } from "../analysis.ts";
import { parseArgs } from "../args.ts";
import type { CommandAnalyzer, Invocation } from "../command.ts";
import {
  confirmsDestruction,
  destructiveArgumentWord,
  READ_VERBS,
  revertsMigrations,
  wordsToJudge,
} from "../vocabulary.ts";

/**
 * The spellings of "only say what would happen" that tools share; `--dry-run=false` (or none, 0, no, off) runs for
 * real, as kubectl's `--dry-run=none` does.
 */
const DRY_RUN = /^--?(?:dry-?run|dry_run|what-?if|simulate|no-?op)(?:=(?!(?:false|none|0|no|off)$).*)?$/i;

/** The dry-run flag among a call's options; after `--` come operands (`purge -- --dry-run` purges for real). */
export function dryRunFlag(args: readonly string[]): string | undefined {
  return leadingWords(args).find((a) => DRY_RUN.test(a));
}

/** A word that can name a subcommand: not a flag, path, URL, file name, assignment or sentence. */
const SUBCOMMAND_WORD = /^[A-Za-z][\w:-]*$/;

/**
 * Verbs that read, create, deploy or switch: the words after one (`velero backup create delete-me-later`, `npm
 * install reset-css`, `rails g migration RemoveX`) are the names and values it takes, not subcommands.
 */
const NAMES_FOLLOW = new Set([
  ...READ_VERBS,
  ...(
    "create add new generate g make install deploy up select use set put edit update start stop restart checkout " +
    "build init login logout open backup push pull clone fetch link connect scale ssh scp console shell attach " +
    "port-forward proxy browse"
  ).split(" "),
]);

/**
 * The groups under which a tool keeps its own add-ons (`helm plugin`, `kubectl krew`, `gcloud components`, `gh ext`,
 * `az extension`): removing one takes away a program that installs again, never data the tool manages.
 */
const PLUGIN_GROUP = /^(?:plugins?|ext|extensions?|krew|components)$/i;
const UNINSTALLS = /^(?:uninstall|remove|rm|delete)$/i;

/** Whether `tool GROUP VERB` removes one of the tool's own add-ons: the group first under the tool, an uninstall verb. */
export function removesOwnPlugin(group: string, verb: string): boolean {
  return PLUGIN_GROUP.test(group) && UNINSTALLS.test(verb);
}

/**
 * Judges the words that may name the call's subcommand, once its rules judged nothing else: the first
 * destructive-sounding one, up to a verb that names follow, makes the call uncertain, unless a dry-run flag says it
 * only reports. A program's rules that know which of its words name the subcommand (not a branch, pod or option
 * value) pass only those.
 */
export function unjudgedSubcommand(inv: Invocation, words: readonly string[], an: Analysis): void {
  an.judgedWords();
  const path = wordsToJudge(inv.name, words).filter((w) => SUBCOMMAND_WORD.test(w));
  const named = path.findIndex((w) => w.split(":").some((part) => NAMES_FOLLOW.has(part.toLowerCase())));
  const at = path.findIndex((w, i) => (named < 0 || i <= named) && destructiveArgumentWord([w]));
  if (at < 0) {
    const judged = named < 0 ? path : path.slice(0, named + 1);
    const revert = revertsMigrations([inv.name, ...judged]);
    const dryRun = revert && dryRunFlag(inv.args);
    if (dryRun) an.harmless(`${inv.name} ${judged.join(" ")}, but ${dryRun} only reports`);
    else if (revert)
      an.uncertain(`${inv.name} ${judged.join(" ")} reverts migrations, dropping what they made`, true);
    else unjudgedConfirmation(inv, an);
    return;
  }
  const word = destructiveArgumentWord([path[at]!])!;
  const shown = `${inv.name} ${path.slice(0, at + 1).join(" ")}`;
  const dryRun = dryRunFlag(inv.args);
  if (dryRun) an.harmless(`${shown}, but ${dryRun} only reports`);
  else if (at === 1 && removesOwnPlugin(path[0]!, word))
    an.harmless(`${shown} uninstalls one of ${inv.name}'s own plugins, which installs again`);
  else an.uncertain(`${shown}: "${word}" in a subcommand the rules for ${inv.name} do not judge`, true);
}

/**
 * An option that confirms a destruction (`--yes-i-really-mean-it`) says the call destroys what its words may not name;
 * a dry-run flag still says it only reports.
 */
export function unjudgedConfirmation(inv: Invocation, an: Analysis): void {
  const confirmed = confirmsDestruction(inv.args);
  if (!confirmed) return;
  const dryRun = dryRunFlag(inv.args);
  if (dryRun) an.harmless(`${inv.name} ${confirmed}, but ${dryRun} only reports`);
  else an.uncertain(`${inv.name} ${confirmed} confirms a destruction the tool otherwise refuses`, true);
}

/**
 * The words a call's subcommand may be among when the program's own reading cannot tell them from option values and
 * names: every argument before `--`, after which come operands.
 */
export function leadingWords(args: readonly string[]): readonly string[] {
  const end = args.indexOf("--");
  return end < 0 ? args : args.slice(0, end);
}

/**
 * A program's analyser, told which of the call's words name its subcommand (not a branch, pod, package or option
 * value): when its rules judged nothing, those words are judged as above.
 */
export function withSubcommandWords(
  analyze: CommandAnalyzer,
  subcommandWords: (inv: Invocation) => readonly string[],
): CommandAnalyzer {
  return (inv, an) => {
    const before = an.findings.length + an.readings;
    analyze(inv, an);
    if (an.findings.length + an.readings === before) unjudgedSubcommand(inv, subcommandWords(inv), an);
  };
}

/** The first `count` positionals, read with the program's value flags: where a subcommand stands in `tool SUB…`. */
export function leadingPositionals(
  count: number,
  valueFlags?: ReadonlySet<string>,
  singleDashLong?: boolean,
): (inv: Invocation) => readonly string[] {
  return (inv) =>
    parseArgs(leadingWords(inv.args), { valueFlags, singleDashLong }).positionals.slice(0, count);
}
