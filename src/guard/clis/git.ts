// git: rewriting or deleting history and throwing away uncommitted work. Dry runs and ordinary pushes are fine.
import type { Analysis } from "../analysis.ts";
import { flagSet, type ParsedArgs, parseArgs } from "../args.ts";
import { type CommandTable, type Invocation, tailWords } from "../command.ts";
import { shellQuoted } from "../shell-quote.ts";
import { judgeGitHooks } from "./git-hooks.ts";
import { leadingWords, withSubcommandWords } from "./unjudged-words.ts";

const GLOBAL_VALUES = flagSet(
  "-C",
  "-c",
  "--git-dir",
  "--work-tree",
  "--namespace",
  "--exec-path",
  "--config-env",
);

type GitRule = (p: ParsedArgs, an: Analysis) => void;

const dryRun = (p: ParsedArgs) => p.has("-n", "--dry-run");
/** What resetting an existing branch to another commit loses. */
const RESET_BRANCH = (how: string) =>
  `${how} resets an existing branch to another commit, dropping the commits only it held`;

/** A server repository's refusals of history-destroying pushes: off (false, or unset: the default), anyone may push them. */
const PUSH_GUARD = /^receive\.deny(?:nonfastforwards|deletes)$/;
const FALSE_SETTING = /^(?:false|no|off|0)$/i;

const RULES: Record<string, GitRule> = {
  config(p, an) {
    // `git config [set|unset] KEY [VALUE]`, `git config --unset KEY`.
    const words = p.positionals.slice(1);
    const verb = words[0] === "set" || words[0] === "unset" ? words.shift() : undefined;
    const key = words[0]?.toLowerCase();
    if (!key || !PUSH_GUARD.test(key)) return;
    const unset = verb === "unset" || p.has("--unset", "--unset-all");
    if (unset || (words[1] !== undefined && FALSE_SETTING.test(words[1])))
      an.destroysSafetyNet(
        `git config ${words[0]} ${unset ? "unset" : words[1]} lets pushes rewrite or delete the repository's branches`,
        "branch-protection:disable",
      );
  },
  push(p, an) {
    const refspecs = p.positionals.slice(1);
    const force =
      p.has("-f", "--force", "--force-with-lease", "--force-if-includes", "--mirror") ||
      refspecs.some((r) => r.startsWith("+"));
    const deletes = p.has("-d", "--delete") || refspecs.some((r) => r.startsWith(":") && r.length > 1);
    if (!force && !deletes && !p.has("--prune")) return;
    if (dryRun(p)) an.harmless("git push --dry-run sends nothing");
    else if (deletes) an.destroys("git push deletes a remote branch or tag", "branch:delete");
    else if (p.has("--prune"))
      an.destroys("git push --prune deletes remote branches missing locally", "branch:delete");
    else an.destroys("force-push rewrites remote history", "history:rewrite");
  },
  reset(p, an) {
    if (p.has("--hard"))
      an.destroys("git reset --hard discards uncommitted work and moves the branch", "worktree:discard");
    else an.harmless("git reset without --hard keeps the working tree's changes");
  },
  clean(p, an) {
    if (dryRun(p)) an.harmless("git clean -n only lists what would be removed");
    else if (p.has("-f", "--force"))
      an.destroys(
        `git clean -f deletes untracked files${p.has("-x") ? ", ignored ones too" : ""}`,
        "file:delete",
      );
  },
  checkout(p, an) {
    if (p.has("-B")) an.destroys(RESET_BRANCH("git checkout -B"), "history:rewrite");
    const paths = p.rest.length > 0 || p.positionals.slice(1).includes(".");
    if (p.has("-f", "--force") || paths)
      an.destroys("git checkout of paths discards their uncommitted changes", "worktree:discard");
  },
  restore(p, an) {
    if (!p.has("-S", "--staged") || p.has("-W", "--worktree"))
      an.destroys("git restore discards uncommitted changes in the working tree", "worktree:discard");
  },
  switch(p, an) {
    if (p.has("-C", "--force-create")) an.destroys(RESET_BRANCH("git switch -C"), "history:rewrite");
    if (p.has("-f", "--force", "--discard-changes"))
      an.destroys("git switch --discard-changes drops uncommitted work", "worktree:discard");
  },
  branch(p, an) {
    if (p.has("-D") || (p.has("-d", "--delete") && p.has("-f", "--force")))
      an.destroys("git branch -D deletes a branch even if unmerged", "branch:delete");
    else if (p.has("-M", "-C") || (p.has("-m", "--move", "-c", "--copy") && p.has("-f", "--force"))) {
      // `-M old new` moves one named branch onto another; `-M new` renames the branch checked out, as a new
      // repository's `git branch -M main` does, and overwrites only a branch of that name other than itself.
      if (p.positionals.length > 2)
        an.destroys(
          "git branch -M/-C moves or copies a branch onto another one, dropping the commits only that one held",
          "history:rewrite",
        );
      else an.harmless("git branch -M renames the branch checked out", "branch:rename");
    } else if (p.has("-f", "--force")) an.destroys(RESET_BRANCH("git branch -f"), "history:rewrite");
  },
  tag(p, an) {
    if (p.has("-d", "--delete")) an.destroys("git tag -d deletes a tag", "tag:delete");
    else if (p.has("-f", "--force"))
      an.destroys("git tag -f moves an existing tag to another commit", "history:rewrite");
  },
  stash(p, an) {
    const sub = p.positionals[1];
    if (sub === "drop" || sub === "clear")
      an.destroys(`git stash ${sub} deletes stashed work`, "stash:delete");
  },
  reflog(p, an) {
    const sub = p.positionals[1];
    if (sub === "expire" || sub === "delete")
      an.destroys(
        `git reflog ${sub} removes the record that lets lost commits be recovered`,
        "history:delete",
      );
  },
  gc(p, an) {
    const prune = p.value("--prune");
    if (prune === "now" || prune === "all")
      an.destroys("git gc --prune=now deletes unreachable commits for good", "history:delete");
  },
  prune(p, an) {
    if (!dryRun(p)) an.destroys("git prune deletes unreachable objects", "history:delete");
  },
  "filter-branch"(_p, an) {
    an.destroys("git filter-branch rewrites history", "history:rewrite");
  },
  "filter-repo"(_p, an) {
    an.destroys("git filter-repo rewrites history", "history:rewrite");
  },
  "update-ref"(p, an) {
    if (p.has("-d")) an.destroys("git update-ref -d deletes a ref", "branch:delete");
    else if (p.positionals.length > 2 || p.has("--stdin"))
      an.destroys(
        "git update-ref moves a ref wherever it is told, dropping the commits it pointed to",
        "history:rewrite",
      );
  },
  fetch(p, an) {
    // `+src:dst` (or --force) into a local ref, not a remote-tracking one, moves it whatever it held.
    const forced = p.has("-f", "--force");
    const local = p.positionals
      .slice(2)
      .some((r) => (forced || r.startsWith("+")) && /:(?!refs\/remotes\/)./.test(r));
    if (local)
      an.destroys(
        "git fetch force-updates a local ref, dropping the commits it pointed to",
        "history:rewrite",
      );
  },
  rm(p, an) {
    if (p.has("-f", "--force") && !p.has("--cached"))
      an.destroys("git rm -f deletes files including uncommitted changes", "file:delete");
    // Without -f git refuses to remove a file whose changes are not committed, so the commit still holds it.
    else
      an.harmless(`git rm${p.has("--cached") ? " --cached" : ""} leaves every change recoverable from git`);
  },
  remote(p, an) {
    // Only the remote's URL and its remote-tracking refs go; the next fetch brings the refs back.
    if (p.positionals[1] === "remove" || p.positionals[1] === "rm")
      an.harmless(`git remote ${p.positionals[1]} forgets a remote; the repository it names is untouched`);
    // As `git fetch --prune` does: drops the remote-tracking refs of branches the remote no longer has.
    else if (p.positionals[1] === "prune")
      an.harmless("git remote prune drops remote-tracking refs of branches deleted on the remote");
  },
  submodule(p, an) {
    const sub = p.positionals[1];
    if ((sub === "deinit" || sub === "update") && p.has("-f", "--force"))
      an.destroys(
        `git submodule ${sub} --force discards the submodules' uncommitted work`,
        "worktree:discard",
      );
  },
  "read-tree"(p, an) {
    if (p.has("--reset") && p.has("-u"))
      an.destroys(
        "git read-tree --reset -u overwrites the working tree, discarding uncommitted changes",
        "worktree:discard",
      );
  },
  "checkout-index"(p, an) {
    if (p.has("-f", "--force"))
      an.destroys("git checkout-index -f overwrites files in the working tree", "worktree:discard");
  },
  worktree(p, an) {
    if (p.positionals[1] === "add" && p.has("-B"))
      an.destroys(RESET_BRANCH("git worktree add -B"), "history:rewrite");
    if (p.positionals[1] === "remove" && p.has("-f", "--force"))
      an.destroys("git worktree remove --force discards its uncommitted work", "worktree:discard");
    else if (p.positionals[1] === "remove" || p.positionals[1] === "prune")
      an.harmless(`git worktree ${p.positionals[1]} refuses to discard uncommitted work`);
  },
};

/** `git -c alias.x='!rm -rf …' x`: an alias defined in git's own flags is what the subcommand runs. */
function inlineAlias(inv: Invocation, sub: string, rest: readonly string[], an: Analysis): boolean {
  for (let i = 0; i < inv.args.length - 1; i++) {
    if (inv.args[i] !== "-c") continue;
    const m = /^alias\.([^=]+)=(.*)$/s.exec(inv.args[i + 1]!);
    if (!m || m[1] !== sub) continue;
    const body = m[2]!;
    an.note(body);
    if (body.startsWith("!")) an.nested.shell(`${body.slice(1)} ${rest.join(" ")}`.trim());
    else an.nested.shell(`git ${body} ${rest.join(" ")}`.trim());
    return true;
  }
  return false;
}

/**
 * Settings whose value is a command git runs (`core.sshCommand`, `core.pager`, a filter's `clean`…): the known ones,
 * and any whose last part names a command, program, helper, driver, hook or filter, the way git names such settings.
 */
const COMMAND_SETTING =
  /^(?:core\.(?:sshcommand|pager|editor|fsmonitor|askpass|gitproxy|alternaterefscommand)|sequence\.editor|diff\.external|pager\.[^.]+|credential(?:\..+)?\.helper|gpg(?:\.[^.]+)?\.program|uploadpack\.packobjectshook|filter\.[^.]+\.(?:clean|smudge|process)|merge\.[^.]+\.driver|diff\.[^.]+\.(?:textconv|command)|remote\.[^.]+\.(?:receivepack|uploadpack)|submodule\..+\.update|interactive\.difffilter)$|\.(?:[a-z]*command|cmd|program|helper|driver|hook|editor|pager|proxy|textconv|smudge|clean|process|filter)$/;
/** Settings that name a place the commands come from: a directory of hooks, a file of more settings. */
const UNSEEN_COMMANDS_SETTING = /^(?:core\.(hookspath)|include\.path|includeif\..+\.path)$/;

/** The environment's counterparts, which git reads the same way. */
const COMMAND_VARIABLES = [
  "GIT_SSH_COMMAND",
  "GIT_SSH",
  "GIT_PAGER",
  "GIT_EDITOR",
  "GIT_SEQUENCE_EDITOR",
  "GIT_EXTERNAL_DIFF",
  "GIT_ASKPASS",
  "GIT_PROXY_COMMAND",
];

/**
 * Settings given on the command line: `-c key=value`, `--config-env key=VARIABLE` (the value from the environment),
 * `GIT_CONFIG_KEY_n`/`GIT_CONFIG_VALUE_n` pairs and `GIT_CONFIG_PARAMETERS` ('key'='value' …). A value the command
 * does not show is undefined.
 */
function commandLineSettings(inv: Invocation): [string, string | undefined][] {
  const settings: [string, string | undefined][] = [];
  for (let i = 0; i < inv.args.length; i++) {
    const a = inv.args[i]!;
    const configEnv =
      /^--config-env=(.*)$/s.exec(a)?.[1] ?? (a === "--config-env" ? inv.args[i + 1] : undefined);
    const setting = a === "-c" ? inv.args[i + 1] : undefined;
    const m = /^([^=]+)=(.*)$/s.exec(configEnv ?? setting ?? "");
    if (!m) continue;
    if (configEnv !== undefined) settings.push([m[1]!, inv.vars.get(m[2]!)?.text]);
    else settings.push([m[1]!, m[2]!]);
  }
  for (const [name, word] of inv.vars) {
    const n = /^GIT_CONFIG_KEY_(\d+)$/.exec(name)?.[1];
    if (n !== undefined) settings.push([word.text, inv.vars.get(`GIT_CONFIG_VALUE_${n}`)?.text]);
  }
  const parameters = inv.vars.get("GIT_CONFIG_PARAMETERS")?.text ?? "";
  for (const m of parameters.matchAll(/'((?:[^']|'\\'')*)'(?:='((?:[^']|'\\'')*)')?/g))
    settings.push([m[1]!.replace(/'\\''/g, "'"), m[2]?.replace(/'\\''/g, "'")]);
  return settings;
}

/**
 * Commands given to git in its settings or environment, which git runs on the way (`git -c core.sshCommand='rm -rf
 * …' fetch`), and `ext::` remotes, whose URL is a command. A single word names a program (`less`, a credential
 * helper's name): only a value with arguments, or a `!` shell snippet, is read as a command; a command setting whose
 * value the command does not show may run anything.
 */
function configuredCommands(inv: Invocation, an: Analysis): void {
  const values: string[] = [];
  for (const [key, value] of commandLineSettings(inv)) {
    const unseen = UNSEEN_COMMANDS_SETTING.exec(key.toLowerCase());
    if (unseen && value !== "/dev/null" && value?.trim() !== "")
      an.uncertain(
        `git ${unseen[1] ? "runs the hooks in" : "reads settings, which may name commands it runs, from"} ${value ?? `what ${key} names`}, which the guard cannot read`,
        true,
      );
    if (!COMMAND_SETTING.test(key.toLowerCase())) continue;
    if (value === undefined)
      an.uncertain(`git runs the command set in ${key}, which this command does not show`, true);
    else values.push(value);
  }
  for (const name of COMMAND_VARIABLES) {
    const value = inv.vars.get(name);
    if (value) values.push(value.text);
  }
  for (const arg of inv.args) {
    const ext = /^ext::(.*)$/s.exec(arg)?.[1];
    if (ext) an.nested.shell(extCommand(ext));
  }
  // `--exec-path=DIR` runs git's own commands (git-commit, git-fetch…) from DIR; alone it only prints the path.
  const execPath =
    inv.args.find((a) => a.startsWith("--exec-path="))?.slice("--exec-path=".length) ??
    inv.vars.get("GIT_EXEC_PATH")?.text;
  if (execPath) an.uncertain(`git runs its commands from ${execPath}, which the guard cannot read`, true);
  for (const value of values) {
    const command = value.startsWith("!") ? value.slice(1) : value;
    if (value.startsWith("!") || /\s/.test(command.trim())) an.nested.shell(command);
  }
}

/**
 * The command of an `ext::` remote as shell text: git splits it at spaces into arguments, `% ` being a space inside
 * one and `%%` a percent sign.
 */
function extCommand(spec: string): string {
  const words = spec.split(/(?<!%) +/).filter(Boolean);
  return words.map((w) => shellQuoted(w.replace(/%([ %])/g, "$1"))).join(" ");
}

/** Subcommands' options whose value is a shell command git runs: `git rebase --exec CMD`, filter-branch's filters. */
const COMMAND_OPTIONS = new Map<string, readonly string[]>(
  Object.entries({
    rebase: ["-x", "--exec"],
    difftool: ["-x", "--extcmd"],
    "filter-branch": [
      "--env-filter",
      "--tree-filter",
      "--index-filter",
      "--parent-filter",
      "--msg-filter",
      "--commit-filter",
      "--tag-name-filter",
    ],
  }),
);

/**
 * Commands a subcommand runs: its command options' values, `git bisect run CMD ARGS` (the program and its words) and
 * `git submodule foreach CMD` (a shell command, run in every submodule).
 */
function subcommandCommands(inv: Invocation, rest: readonly string[], an: Analysis): void {
  const [sub = "", ...args] = rest;
  const options = COMMAND_OPTIONS.get(sub);
  if (options) {
    const parsed = parseArgs(args, { valueFlags: flagSet(...options) });
    for (const command of parsed.values(...options)) an.nested.shell(command, inv.vars);
  }
  const words = tailWords(inv, args.length);
  if (sub === "bisect" && args[0] === "run") inv.run(words.slice(1));
  if (sub === "submodule" && args[0] === "foreach") {
    const command = words.slice(1).filter((w) => !/^(?:--recursive|-q|--quiet)$/.test(w.text));
    if (command.length) an.nested.shell(command.map((w) => w.text).join(" "), inv.vars);
  }
}

/** git branch's own value flags: its -m and -c are switches (move, copy), not a message. */
const BRANCH_VALUES = flagSet("-u", "--set-upstream-to", "--sort", "--format");

/** git's own commands: the words after them are revisions, paths, remotes and messages. */
const BUILTINS = new Set(
  (
    "add am annotate apply archive bisect blame branch bundle cat-file check-attr check-ignore check-mailmap " +
    "check-ref-format checkout checkout-index cherry cherry-pick citool clean clone commit commit-graph commit-tree " +
    "config count-objects credential describe diff diff-files diff-index diff-tree difftool fast-export fast-import " +
    "fetch filter-branch for-each-ref format-patch fsck gc grep gui hash-object help hook index-pack init " +
    "interpret-trailers log ls-files ls-remote ls-tree maintenance merge merge-base merge-file mergetool mktag mktree " +
    "mv name-rev notes pack-objects pack-refs prune pull push range-diff read-tree rebase reflog remote repack " +
    "replace request-pull rerere reset restore rev-list rev-parse revert rm shortlog show show-branch show-ref " +
    "sparse-checkout stash status stripspace submodule switch symbolic-ref tag unpack-objects update-index " +
    "update-ref var verify-commit verify-pack verify-tag version whatchanged worktree write-tree"
  ).split(" "),
);
/** Commands whose second word is a subcommand of theirs (`git remote remove`, `git notes remove`). */
const GROUPS = new Set(
  "bundle commit-graph config credential hook maintenance notes reflog remote rerere sparse-checkout stash submodule worktree".split(
    " ",
  ),
);

function git(inv: Invocation, an: Analysis): void {
  configuredCommands(inv, an);
  const global = parseArgs(inv.args, { valueFlags: GLOBAL_VALUES, stopAtPositional: true });
  const sub = global.rest[0];
  if (sub && inlineAlias(inv, sub, global.rest.slice(1), an)) return;
  subcommandCommands(inv, global.rest, an);
  // The hooks of the repository the command's directory is in, unless the command names another.
  if (sub && !global.has("-C", "--git-dir", "--work-tree") && !inv.vars.has("GIT_DIR")) {
    const hooksPath = commandLineSettings(inv)
      .filter(([key]) => key.toLowerCase() === "core.hookspath")
      .at(-1)?.[1];
    judgeGitHooks(sub, parseArgs(global.rest.slice(1)), hooksPath, an);
  }
  const rule = sub && Object.hasOwn(RULES, sub) ? RULES[sub] : undefined;
  if (!rule) return;
  rule(
    parseArgs(global.rest, {
      valueFlags:
        sub === "branch"
          ? BRANCH_VALUES
          : flagSet(
              "-m",
              "--message",
              "-o",
              "--push-option",
              "--repo",
              "--exec",
              "--receive-pack",
              "-b",
              "-B",
              "--expire",
              "--expire-unreachable",
              "-F",
              "--file",
            ),
    }),
    an,
  );
}

/**
 * The words that name what git does: its command, and a group's own subcommand; an external command's words
 * (`git lfs prune`, `git flow feature delete`) may all be subcommands.
 */
function gitSubcommandWords(inv: Invocation): readonly string[] {
  const words = parseArgs(inv.args, { valueFlags: GLOBAL_VALUES, stopAtPositional: true }).rest;
  const sub = words[0] ?? "";
  if (NAMED_LIKE_A_FORMAT.has(sub)) return [];
  return !BUILTINS.has(sub) ? leadingWords(words) : GROUPS.has(sub) ? words.slice(0, 2) : [sub];
}

/**
 * git's own commands whose name says "format" for a layout, not a disk: format-patch writes each commit as a mail
 * file, check-ref-format checks a branch name.
 */
const NAMED_LIKE_A_FORMAT = new Set(["format-patch", "check-ref-format"]);

export const gitCommands: CommandTable = { git: withSubcommandWords(git, gitSubcommandWords) };
