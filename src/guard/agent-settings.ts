// The agent's own settings: the files that install the guard as its hook, hold its permission rules and name the MCP
// servers it may call (Claude Code's .claude/settings.json and .mcp.json, Cursor's hooks.json and mcp.json, their
// managed copies, and the hook scripts beside them), and the guard hook's own program and configuration (leash as
// installed, npm's settings that npx and npm read when they start it, the environments file the guard reads). An agent
// that rewrites, moves or deletes one can switch the guard off, or reach an MCP server around leash's gateway, for
// every command after it: a human is asked first.
import type { Analysis } from "./analysis.ts";
import type { Invocation } from "./command.ts";

const SEP = String.raw`[/\\]`;
/**
 * The guard hook's own program and configuration. leash as installed, in a project or globally: its package
 * (`node_modules/leash`, whole or any file in it), the `leash` command npm links (`node_modules/.bin/leash`,
 * `/usr/local/bin/leash`) and the `~/.leash` prefix README installs it into, which the hook command runs; npm's
 * settings files (a project's or the user's `.npmrc`, the global `npmrc`), which npx and npm read when they start it,
 * and whose `node-options` run code inside it; and `environments.yaml`, which tells the guard which environment a
 * command points at and which is protected.
 */
const GUARD_OWN_FILES = new RegExp(
  [
    String.raw`(?<![\w.-])node_modules${SEP}leash(?:${SEP}[^\s'"]*)?(?=$|[\s'"),;])`,
    String.raw`(?<![\w.-])(?:node_modules${SEP}\.bin|bin)${SEP}leash(?![\w.-])`,
    // The prefix README installs the hook's leash into, outside any project.
    String.raw`(?<![\w.-])\.leash(?:${SEP}[^\s'"]*)?(?=$|[\s'"),;])`,
    String.raw`(?<![\w.-])\.?npmrc(?![\w.-])`,
    String.raw`(?<![\w.-])environments\.yaml(?![\w.-])`,
  ].join("|"),
  "i",
);
/**
 * A path to one of those files, or to a directory holding them, anywhere in a word (code passes paths inside longer
 * text: `open('.claude/settings.json', 'w')`). Case-insensitive: macOS and Windows file systems are.
 */
const AGENT_SETTINGS = new RegExp(
  [
    // The files themselves (not `settings.json.bak`), and the hook scripts an agent's settings point at.
    String.raw`\.claude${SEP}(?:settings(?:\.local)?\.json(?![\w.-])|hooks${SEP}[^\s'"]*)`,
    String.raw`\.?cursor${SEP}(?:hooks|mcp|cli)\.json(?![\w.-])|\.cursor${SEP}hooks${SEP}[^\s'"]*`,
    String.raw`(?:^|[^\w.-])(?:\.claude|\.mcp|managed-settings|managed-mcp)\.json(?![\w.-])`,
    // The directories that hold them, whole (`rm -rf ~/.claude`) or through a glob (`.claude/*`).
    String.raw`(?:^|[^\w.-])\.(?:claude|cursor)${SEP}?(?:[*?[][^\s'"]*)?(?=$|[\s'"),;])`,
    GUARD_OWN_FILES.source,
  ].join("|"),
  "i",
);

/** The agent-settings path a word names, or undefined. */
export function agentSettingsIn(text: string): string | undefined {
  return AGENT_SETTINGS.exec(text)?.[0].replace(/^[^\w.~/\\]/, "");
}

/**
 * The agent-settings path a path names as written or, where the command is judged on its machine, where it leads on
 * disk: a link a repository committed (`docs/cfg` to `../.claude`) makes `docs/cfg/settings.json` the agent's settings.
 */
export function agentSettingsAt(path: string, an: Analysis): string | undefined {
  const named = agentSettingsIn(path);
  // Options, and words longer than any path the system takes, lead nowhere on disk.
  if (named || !an.seesProjectFiles || !/^[\w.~/]/.test(path) || path.length > 4096) return named;
  const resolved = an.resolvedOnDisk(path);
  const target = resolved === null ? undefined : agentSettingsIn(resolved);
  return target && `${path} (${resolved})`;
}

/**
 * Programs that only read or print what they are given: naming the settings to them changes nothing (a redirection
 * of their output is judged as a write). sort (-o), yq (-i) and editors write, so they are not here.
 */
const READERS = new Set(
  (
    "cat bat less more head tail grep egrep fgrep rg ag ack jq wc diff cmp stat file ls ll la tree du " +
    "realpath readlink basename dirname md5sum sha1sum sha256sum shasum xxd od hexdump strings test [ [[ echo printf"
  ).split(" "),
);

/** git subcommands that read the working tree or record it, never rewrite a file in it. */
const GIT_READS = /^(?:add|commit|diff|log|show|status|blame|ls-files|grep)$/;

function onlyReads(inv: Invocation): boolean {
  if (READERS.has(inv.name)) return true;
  if (inv.name !== "git") return false;
  const subcommand = inv.args.find((a) => !a.startsWith("-"));
  return subcommand !== undefined && GIT_READS.test(subcommand);
}

const AGENT_SETTINGS_ACTION = "agent-settings:update";

/**
 * Asks about a change to the agent's settings, whatever the intent says: it is not a destruction an intent covers.
 * A path is reported once, though a program's words and its write (`tee .claude/settings.json`) both name it.
 */
export function reportAgentSettings(path: string, how: string, an: Analysis): void {
  const named = GUARD_OWN_FILES.test(path) ? ` ${path}, the guard hook's own` : ` ${path}, the agent's own`;
  if (an.findings.some((f) => f.action === AGENT_SETTINGS_ACTION && f.reason.includes(named))) return;
  const what = GUARD_OWN_FILES.test(path) ? "program or configuration" : "hook, permission or MCP settings";
  an.uncertain(
    `agent_settings: ${how}${named} ${what}; changing them can switch the guard off`,
    false,
    AGENT_SETTINGS_ACTION,
  );
}

/** The package managers that install, remove or link packages by name, and read npm's settings files. */
const PACKAGE_MANAGERS = new Set(["npm", "pnpm", "yarn", "bun"]);
/** Their subcommands that change which `leash` a project or the machine runs. */
const REPLACES_PACKAGES =
  /^(?:add|i|in|ins|inst|insta|instal|install|isnt|isntall|install-test|it|install-ci-test|ci|update|up|upgrade|udpate|uninstall|un|unlink|remove|rm|r|link|ln|dlx|global)$/;
/** `leash` as a package spec: the name, with a version, tag or alias after `@` (`leash@latest`, `leash@npm:other`). */
const LEASH_SPEC = /^leash(?:@.*)?$/i;

/**
 * A package manager that installs, removes or links `leash` by name changes the hook's program (the registry's `leash`
 * is another project's package), and `npm config set|delete|edit|fix` or `npm set` write npm's settings files.
 */
function judgePackageManager(inv: Invocation, an: Analysis): void {
  if (!PACKAGE_MANAGERS.has(inv.name)) return;
  const words = inv.args.filter((a) => !a.startsWith("-"));
  const [subcommand, action] = words;
  if (subcommand === undefined) return;
  if (REPLACES_PACKAGES.test(subcommand) && words.slice(1).some((w) => LEASH_SPEC.test(w)))
    reportAgentSettings("node_modules/leash", `${inv.name} ${subcommand} replaces`, an);
  const configWrite =
    (subcommand === "config" || subcommand === "c") && /^(?:set|delete|rm|edit|fix)$/.test(action ?? "");
  if (configWrite || subcommand === "set")
    reportAgentSettings(".npmrc", `${inv.name} ${words.slice(0, configWrite ? 2 : 1).join(" ")} writes`, an);
}

/** A program given a path to the agent's settings, unless it only reads it. */
export function judgeAgentSettingsArguments(inv: Invocation, an: Analysis): void {
  judgePackageManager(inv, an);
  if (onlyReads(inv)) return;
  for (const arg of inv.args) {
    const path = agentSettingsAt(arg, an);
    if (path) reportAgentSettings(path, `${inv.name} is given`, an);
  }
}
