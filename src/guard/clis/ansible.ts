// Ansible: ad-hoc module calls (`ansible web -m shell -a 'rm -rf …'`, `-m file -a 'path=… state=absent'`) and
// playbooks, whose tasks the guard cannot read but whose check mode changes nothing.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import type { CommandTable, Invocation } from "../command.ts";

const VALUE_FLAGS = flagSet(
  "-m",
  "--module-name",
  "-a",
  "--args",
  "-i",
  "--inventory",
  "--inventory-file",
  "-u",
  "--user",
  "-f",
  "--forks",
  "-e",
  "--extra-vars",
  "-l",
  "--limit",
  "--become-user",
  "--become-method",
  "-c",
  "--connection",
  "-T",
  "--timeout",
  "-M",
  "--module-path",
  "-t",
  "--tags",
  "--skip-tags",
  "--tree",
  "-P",
  "--poll",
  "-B",
  "--background",
  "--vault-id",
  "--vault-password-file",
  "--private-key",
  "--key-file",
  "--start-at-task",
);

/** Check mode (`-C`, `--check`) reports what would change and changes nothing; shell and command tasks are skipped. */
const CHECK_MODE = ["-C", "--check"];
/** Playbook runs that only read the playbook or the inventory. */
const LISTING = ["--syntax-check", "--list-tasks", "--list-hosts", "--list-tags"];
/** Modules that run their argument as a command line (`script` runs a local script, with its arguments, there). */
const RUNS_COMMAND =
  /^(?:ansible\.builtin\.|ansible\.windows\.)?(?:shell|command|raw|script|win_shell|win_command)$/;
/** Modules whose `state=absent` uninstalls a package or edits a line: not a loss of data. */
const ABSENT_IS_ROUTINE =
  /^(?:[\w.]+\.)?(?:apt|yum|dnf|package|pip|npm|gem|apk|pacman|homebrew|snap|zypper|apt_repository|yum_repository|lineinfile|blockinfile|replace|cron|service|systemd|ufw|firewalld|known_hosts|authorized_key|sysctl|mount)$/;
/** `state=absent` and its cloud spellings in a module's key=value or YAML/JSON arguments. */
const REMOVED_STATE = /\bstate\s*[=:]\s*["']?(absent|terminated|deleted|destroyed)\b/i;
/** `key=value` words; the rest of a command module's argument is its command line. */
const KEY_VALUE = /^(?:chdir|creates|removes|executable|warn|stdin|argv|cmd)=/;
/** Playbook, tag and variable words that say a run tears things down. */
const TEARDOWN_WORD =
  /(^|[^a-z])(delete|destroy|drop|purge|wipe|teardown|tear-down|nuke|decommission|remove|reset|uninstall|absent|terminate)([^a-z]|$)/i;

function adHoc(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: VALUE_FLAGS });
  if (parsed.has(...CHECK_MODE)) {
    an.harmless("ansible --check reports what would change and changes nothing");
    return;
  }
  const module = parsed.value("-m", "--module-name") ?? "command";
  const args = parsed.value("-a", "--args") ?? "";
  if (RUNS_COMMAND.test(module)) {
    // `-a 'rm -rf /srv chdir=/tmp'`: the key=value options are ansible's, the rest is the command.
    const command = args
      .split(/\s+/)
      .filter((w) => !KEY_VALUE.test(w))
      .join(" ");
    if (command.trim()) {
      an.note(command);
      an.nested.shell(command);
    }
    return;
  }
  const state = REMOVED_STATE.exec(args)?.[1];
  if (state && !ABSENT_IS_ROUTINE.test(module)) {
    const path = /\b(?:path|dest|name)\s*[=:]\s*["']?([^\s"',}]+)/.exec(args)?.[1] ?? "its target";
    an.destroys(
      `ansible -m ${module} state=${state} deletes ${path} on every matched host`,
      "resource:delete",
    );
  }
}

/** A playbook's tasks are unseen: only check mode and listing are known to change nothing. */
function playbook(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: VALUE_FLAGS });
  const listing = LISTING.find((f) => parsed.has(f));
  if (listing) {
    an.harmless(`ansible-playbook ${listing} only reads the playbook`);
    return;
  }
  if (parsed.has(...CHECK_MODE)) {
    an.harmless("ansible-playbook --check reports what would change and changes nothing");
    return;
  }
  const named = [...parsed.positionals, ...parsed.values("-t", "--tags", "-e", "--extra-vars")].find((w) =>
    TEARDOWN_WORD.test(w),
  );
  if (named) an.uncertain(`ansible-playbook runs tasks the guard cannot read, named "${named}"`, true);
}

export const ansibleCommands: CommandTable = {
  ansible: adHoc,
  "ansible-playbook": playbook,
};
