// The hooks git runs around a command (`git commit` runs pre-commit, commit-msg…): where the command is judged on its
// machine, the repository's hook scripts there are judged as the shell runs them, so a hook an agent writes and then
// sets off with an ordinary commit is judged as if it ran it.
import type { Analysis } from "../analysis.ts";
import type { ParsedArgs } from "../args.ts";
import { interpreterOf, runsInShell } from "../shebang.ts";
import { literal } from "../word.ts";
import { judgeProjectFile } from "../written-scripts.ts";

/** The client-side hooks each command runs; `verified` ones are skipped with --no-verify. */
const HOOKS: Record<string, { always: string[]; verified?: string[] }> = {
  commit: {
    always: [
      "prepare-commit-msg",
      "post-commit",
      "post-rewrite",
      "reference-transaction",
      "post-index-change",
    ],
    verified: ["pre-commit", "commit-msg"],
  },
  merge: {
    always: ["prepare-commit-msg", "post-merge", "reference-transaction", "post-index-change"],
    verified: ["pre-merge-commit", "commit-msg"],
  },
  pull: {
    always: [
      "prepare-commit-msg",
      "post-merge",
      "pre-rebase",
      "post-rewrite",
      "post-checkout",
      "reference-transaction",
    ],
    verified: ["pre-merge-commit", "commit-msg"],
  },
  rebase: {
    always: ["pre-rebase", "post-rewrite", "post-checkout", "reference-transaction", "post-index-change"],
  },
  "cherry-pick": { always: ["prepare-commit-msg", "commit-msg", "post-commit", "reference-transaction"] },
  revert: { always: ["prepare-commit-msg", "commit-msg", "post-commit", "reference-transaction"] },
  am: {
    always: ["pre-applypatch", "post-applypatch", "post-rewrite", "reference-transaction"],
    verified: ["applypatch-msg", "pre-applypatch"],
  },
  checkout: { always: ["post-checkout", "reference-transaction", "post-index-change"] },
  switch: { always: ["post-checkout", "reference-transaction", "post-index-change"] },
  worktree: { always: ["post-checkout"] },
  push: { always: ["reference-transaction"], verified: ["pre-push"] },
  fetch: { always: ["reference-transaction"] },
  branch: { always: ["reference-transaction"] },
  tag: { always: ["reference-transaction"] },
  reset: { always: ["reference-transaction", "post-index-change"] },
  stash: { always: ["reference-transaction", "post-index-change"] },
  add: { always: ["post-index-change"] },
  rm: { always: ["post-index-change"] },
  mv: { always: ["post-index-change"] },
};

/** How many directories up from the command's the repository's root is looked for. */
const MAX_LEVELS = 16;

/** The repository the command's directory is in: its working tree's root and the directory holding its hooks. */
function repository(an: Analysis): { root: string; common: string } | null {
  if (!an.seesProjectFiles) return null;
  for (let up = 0; up < MAX_LEVELS; up++) {
    const root = up === 0 ? "." : Array.from({ length: up }, () => "..").join("/");
    if (an.projectFile(`${root}/.git/HEAD`)) return { root, common: `${root}/.git` };
    // A linked worktree's or a submodule's `.git` is a file naming its git directory, which may share another's.
    const gitdir = /^gitdir:\s*(.+?)\s*$/m.exec(an.projectFile(`${root}/.git`)?.text ?? "")?.[1];
    if (gitdir) {
      const dir = within(root, gitdir);
      const common = an.projectFile(`${dir}/commondir`)?.text.trim();
      return { root, common: common ? within(dir, common) : dir };
    }
  }
  return null;
}

const within = (dir: string, path: string) =>
  path.startsWith("/") || path.startsWith("~") ? path : `${dir}/${path}`;

/** The last `hooksPath` of a git config file's `[core]` section. */
function configuredHooksPath(text: string): string | undefined {
  let core = false;
  let found: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const section = /^\s*\[\s*([^\]\s"]+)[^\]]*\]/.exec(line);
    if (section) core = section[1]!.toLowerCase() === "core";
    const value = core ? /^\s*(?:\[[^\]]*\]\s*)?hookspath\s*=\s*(.*?)\s*$/i.exec(line)?.[1] : undefined;
    if (value !== undefined) found = value.replace(/^"(.*)"$/, "$1");
  }
  return found;
}

/**
 * Judges the shell hooks `git <sub>` runs, from `core.hooksPath` (given on the command line, in the repository's or
 * the user's config) or the repository's hooks directory; husky's `.husky/_` hooks run the scripts of the same name
 * in `.husky`. `hooksPathSetting` is the command line's. Commands pointed at another repository are left alone.
 */
export function judgeGitHooks(
  sub: string,
  parsed: ParsedArgs,
  hooksPathSetting: string | undefined,
  an: Analysis,
): void {
  const hooks = HOOKS[sub];
  if (!hooks) return;
  const repo = repository(an);
  if (!repo) return;
  const hooksPath =
    hooksPathSetting ??
    configuredHooksPath(an.projectFile(`${repo.common}/config`)?.text ?? "") ??
    configuredHooksPath(an.projectFile("~/.gitconfig")?.text ?? "") ??
    configuredHooksPath(an.projectFile("~/.config/git/config")?.text ?? "");
  const directory = hooksPath ? within(repo.root, hooksPath) : `${repo.common}/hooks`;
  const directories = /(?:^|\/)\.husky\/_\/?$/.test(directory)
    ? [directory, directory.replace(/\/_\/?$/, "")]
    : [directory];
  const skipped = parsed.has("--no-verify") || (sub === "commit" && parsed.has("-n"));
  const names = [...hooks.always, ...(skipped ? [] : (hooks.verified ?? []))];
  for (const dir of directories)
    for (const name of names) {
      const path = `${dir.replace(/\/+$/, "")}/${name}`;
      const file = an.projectFile(path);
      if (!file || !runsInShell(interpreterOf(file.text))) continue;
      judgeProjectFile(an, `git ${sub} (its ${name} hook)`, literal(path), (text) => an.nested.shell(text));
    }
}
