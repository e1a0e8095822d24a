// Version control other than git, judged as git's own rules judge the same acts: uncommitted work discarded (`hg
// update -C`, `svn revert`, `p4 revert`), history stripped with no backup, content whose last copy is dropped
// (`git annex dropunused`, `dvc gc --cloud`). Dolt, git for data, takes git's commands under the same names.
import type { Analysis } from "../analysis.ts";
import type { CommandTable, Invocation } from "../command.ts";
import { literal } from "../word.ts";
import { leadingWords, withSubcommandWords } from "./unjudged-words.ts";

const firstWord = (inv: Invocation) => inv.args.find((a) => !a.startsWith("-")) ?? "";
const hasFlag = (inv: Invocation, ...names: string[]) =>
  inv.args.some(
    (a) =>
      names.includes(a) ||
      names.some((n) => !n.startsWith("--") && /^-[a-zA-Z]+$/.test(a) && a.includes(n[1]!)),
  );

/** Mercurial: strip without its backup bundle, update or revert that throw away changes, rollback. */
function hg(inv: Invocation, an: Analysis): void {
  const command = firstWord(inv);
  const noBackup = inv.args.includes("--no-backup");
  if (/^(?:strip|prune)$/.test(command) && noBackup)
    an.destroys(`hg ${command} --no-backup deletes changesets with no backup bundle`, "history:rewrite");
  else if (/^(?:update|up|checkout|co)$/.test(command) && hasFlag(inv, "-C", "--clean"))
    an.destroys(`hg ${command} --clean discards uncommitted changes`, "worktree:discard");
  else if (command === "revert" && (noBackup || hasFlag(inv, "-C")))
    an.destroys(
      "hg revert --no-backup discards uncommitted changes, keeping no .orig copies",
      "worktree:discard",
    );
  else if (command === "rollback") an.destroys("hg rollback undoes the last transaction", "history:rewrite");
}

/** Subversion: revert discards local changes (svn keeps no copy); the rest is judged by its words. */
function svn(inv: Invocation, an: Analysis): void {
  if (/^(?:revert|rev)$/.test(firstWord(inv)))
    an.destroys("svn revert discards uncommitted changes", "worktree:discard");
}

/** Perforce: revert discards the opened files' changes, unless -a (unchanged files only) or -n (preview). */
function p4(inv: Invocation, an: Analysis): void {
  if (firstWord(inv) !== "revert") return;
  if (hasFlag(inv, "-n") || hasFlag(inv, "-a")) an.harmless("p4 revert -a or -n discards no changes");
  else an.destroys("p4 revert discards the opened files' changes", "worktree:discard");
}

/** Fossil: scrub removes content from the repository for good. */
function fossil(inv: Invocation, an: Analysis): void {
  if (firstWord(inv) === "scrub")
    an.destroys("fossil scrub removes content from the repository for good", "history:rewrite");
}

/** DVC: gc with --cloud deletes the remote's copies too; the local cache alone can be pulled again. */
function dvc(inv: Invocation, an: Analysis): void {
  if (firstWord(inv) === "gc" && hasFlag(inv, "-c", "--cloud"))
    an.destroys("dvc gc --cloud deletes data from the remote storage", "object:delete");
}

/** Dolt: git's commands for the database's history and working set; `sql -q` as SQL. */
const DOLT_GIT = new Set([
  "branch",
  "push",
  "reset",
  "checkout",
  "clean",
  "rebase",
  "tag",
  "remote",
  "stash",
]);
function dolt(inv: Invocation, an: Analysis): void {
  const command = firstWord(inv);
  if (DOLT_GIT.has(command)) inv.run([literal("git"), ...inv.argv.slice(1)]);
  else if (command === "sql") {
    const at = inv.args.findIndex((a) => a === "-q" || a === "--query");
    const query = at >= 0 ? inv.args[at + 1] : undefined;
    if (query !== undefined) an.nested.sql(query, "mysql");
  }
}

/** Their commands and options both may say what they destroy (`hg purge`, `svn cleanup --remove-unversioned`). */
const commandAndOptionWords = (inv: Invocation) =>
  leadingWords(inv.args).map((a) => a.replace(/^-+/, "").replace(/=.*$/s, ""));

export const otherVcsCommands: CommandTable = Object.fromEntries(
  Object.entries({ hg, svn, p4, fossil, dvc, dolt }).map(([name, analyze]) => [
    name,
    withSubcommandWords(analyze, commandAndOptionWords),
  ]),
);
