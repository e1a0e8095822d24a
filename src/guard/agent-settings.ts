// The agent's own settings: the files that install the guard as its hook, hold its permission rules and name the MCP
// servers it may call (Claude Code's .claude/settings.json and .mcp.json, Cursor's hooks.json and mcp.json, their
// managed copies, and the hook scripts beside them). An agent that rewrites, moves or deletes one can switch the guard
// off, or reach an MCP server around leash's gateway, for every command after it: a human is asked first.
import type { Analysis } from "./analysis.ts";
import type { Invocation } from "./command.ts";

const SEP = String.raw`[/\\]`;
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
  ].join("|"),
  "i",
);

/** The agent-settings path a word names, or undefined. */
export function agentSettingsIn(text: string): string | undefined {
  return AGENT_SETTINGS.exec(text)?.[0].replace(/^[^\w.~/\\]/, "");
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
  const named = ` ${path}, the agent's own`;
  if (an.findings.some((f) => f.action === AGENT_SETTINGS_ACTION && f.reason.includes(named))) return;
  an.uncertain(
    `agent_settings: ${how}${named} hook, permission or MCP settings; changing them can switch the guard off`,
    false,
    AGENT_SETTINGS_ACTION,
  );
}

/** A program given a path to the agent's settings, unless it only reads it. */
export function judgeAgentSettingsArguments(inv: Invocation, an: Analysis): void {
  if (onlyReads(inv)) return;
  for (const arg of inv.args) {
    const path = agentSettingsIn(arg);
    if (path) reportAgentSettings(path, `${inv.name} is given`, an);
  }
}
