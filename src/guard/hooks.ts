// Agent hook formats: Claude Code's PreToolUse and Cursor's beforeShellExecution, beforeMCPExecution and preToolUse,
// in and out.
import type { ToolCall } from "./analysis.ts";
import { credentialFilesPicked } from "./credential-globs.ts";
import { parseJson } from "./json-text.ts";
import { normalizePath } from "./paths.ts";
import { shellQuoted } from "./shell-quote.ts";
import type { Classification, Decision } from "./types.ts";

/**
 * What an agent is about to do: run a shell command, or call an MCP server's tool. `readAlsoAs`: the same command as
 * another shell that may be the one running it takes it; the stricter reading counts.
 */
export type AgentAction = { command: string; readAlsoAs?: string[] } | { toolCall: ToolCall };

/**
 * The shell command (Bash, or PowerShell on Windows), file write or read, web fetch or MCP tool call a Claude Code
 * PreToolUse event carries, or null for its other tools (listing files, searching the web, its to-do list): the guard
 * has no opinion on those. An event it cannot read throws, and is answered "ask".
 */
export function claudeCodeAction(input: unknown): AgentAction | null {
  const event = eventObject(input);
  const name = event.tool_name;
  if (typeof name !== "string" || !name) throw new TypeError("tool_name is missing");
  // Claude Code names its tools, and MCP tools after their server, in ASCII: another name imitates one (Bash with
  // a Cyrillic a) and is not left without an opinion.
  if (!/^[\x21-\x7e]+$/.test(name))
    throw new TypeError(`tool_name ${JSON.stringify(name)} is not a tool name`);
  if (/^mcp__/i.test(name))
    return { toolCall: { name: `mcp__${name.slice(5)}`, input: toolArguments(event.tool_input) } };
  const fields = isRecord(event.tool_input) ? event.tool_input : {};
  const tool = name.toLowerCase();
  if (tool === "bash") return shellCommand(fields.command, "tool_input.command");
  // On Windows Claude Code runs commands through its PowerShell tool: they are read as PowerShell given them to run.
  if (tool === "powershell")
    return { command: powershellLine(shellCommand(fields.command, "tool_input.command").command) };
  const pathField = FILE_TOOLS.get(tool);
  if (pathField) return { command: `: > ${shellQuoted(requiredText(fields, pathField))}` };
  const reading = READING_TOOLS.get(tool);
  return reading ? { command: reading(fields) } : null;
}

/**
 * The directory the agent runs its action in (the `cwd` of Claude Code's and Cursor's events, else the first of
 * Cursor's `workspace_roots`), where the scripts a command runs are read; undefined when the event names none.
 */
export function eventDirectory(input: unknown): string | undefined {
  if (!isRecord(input)) return undefined;
  const roots = Array.isArray(input.workspace_roots) ? input.workspace_roots : [];
  return [input.cwd, roots[0]].find(
    (dir): dir is string => typeof dir === "string" && /^(?:\/|[A-Za-z]:[\\/])/.test(dir),
  );
}

/**
 * Claude Code's tools that write the file they name, and the field naming it. Each is read as the shell write of
 * that file (`: > path`), so what the rules say of writing a file (a database's data file, the agent's own hook
 * settings) holds for them too; writing an ordinary file gets no opinion.
 */
const FILE_TOOLS = new Map([
  ["write", "file_path"],
  ["edit", "file_path"],
  ["multiedit", "file_path"],
  ["notebookedit", "notebook_path"],
]);

/**
 * Claude Code's tools that read, each as the shell command that reads the same thing: what the rules say of `cat
 * ~/.aws/credentials` (a credential file read into the agent's context) or of fetching the cloud machine's own
 * credentials holds for Read, Grep and WebFetch too. Reading an ordinary file or page gets no opinion. Grep's pattern
 * is what is looked for, not what is read, so the reading stands for every line of the files searched.
 */
const READING_TOOLS = new Map<string, (input: Record<string, unknown>) => string>([
  ["read", (input) => `cat -- ${shellQuoted(toolPath(requiredText(input, "file_path")))}`],
  ["grep", (input) => grepReading(toolPath(optionalText(input, "path") ?? "."), optionalText(input, "glob"))],
  ["webfetch", (input) => `curl -s -- ${shellQuoted(requiredText(input, "url"))}`],
]);

/** `grep -r` of the folder searched, and of the credential files its `glob` picks out there. */
function grepReading(folder: string, glob: string | undefined): string {
  const picked =
    glob === undefined ? [] : credentialFilesPicked(glob).map((name) => normalizePath(`${folder}/${name}`));
  return `grep -r -e '' -- ${[folder, ...picked].map(shellQuoted).join(" ")}`;
}

/** A tool's path as the file system reads it: Windows' backslashes as slashes, `//`, `/./` and `..` resolved. */
const toolPath = (path: string) => normalizePath(path.replace(/\\/g, "/"));

function requiredText(input: Record<string, unknown>, field: string): string {
  const value = input[field];
  if (typeof value !== "string" || !value) throw new TypeError(`tool_input.${field} is missing or not text`);
  return value;
}

function optionalText(input: Record<string, unknown>, field: string): string | undefined {
  return input[field] === undefined ? undefined : requiredText(input, field);
}

const powershellLine = (code: string) => `pwsh -NoProfile -Command ${shellQuoted(code)}`;

/** The event as an object, or a TypeError: an array, a string or null is no agent's event. */
function eventObject(input: unknown): Record<string, unknown> {
  if (!isRecord(input)) throw new TypeError("expected a JSON object");
  return input;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function shellCommand(command: unknown, field: string): { command: string } {
  if (typeof command !== "string") throw new TypeError(`${field} is missing or not text`);
  return { command };
}

/**
 * An MCP tool call's arguments: an object, or JSON text of one (Cursor sends text), as MCP defines them. Text that
 * repeats a key, an array, a number or text that is not JSON cannot be read the way the server will read it.
 */
function toolArguments(raw: unknown): Record<string, unknown> {
  if (raw === undefined || raw === null) return {};
  const value = typeof raw === "string" ? parseJson(raw) : raw;
  if (!isRecord(value)) throw new TypeError("tool_input is not a JSON object");
  return value;
}

export interface HookOptions {
  /** Answer `allow` for commands judged safe, skipping the agent's own permission rules (opt-in). */
  allowSafe?: boolean;
}

/**
 * What a hook answers. The guard's `allow` only means it found nothing destructive; an uncertain command (code it
 * cannot read, secrets sent to the network) is asked about, since an allow would skip the agent's own prompt.
 */
export function hookDecision(c: Classification): Decision {
  return c.decision === "allow" && c.uncertain ? "ask" : c.decision;
}

/** Of two readings of one command, the one a hook must act on: the stricter answer, then the destructive one. */
export function stricterReading(a: Classification, b: Classification): Classification {
  const rank = (c: Classification) => DECISION_RANK[hookDecision(c)] * 2 + (c.destructive ? 1 : 0);
  return rank(b) > rank(a) ? b : a;
}

const DECISION_RANK: Record<Decision, number> = { allow: 0, ask: 1, deny: 2 };

/** The classification a hook acts on: uncertain allows become asks, with the reason saying so. */
export function forHook(c: Classification): Classification {
  const decision = hookDecision(c);
  if (decision === c.decision) return c;
  return {
    ...c,
    decision,
    reasons: ["uncertain: the guard cannot vouch for this command, so a human is asked", ...c.reasons],
  };
}

/** Safe commands get no opinion (`{}`): the agent's own permission rules still apply. */
export function claudeCodeOutput(c: Classification, options: HookOptions = {}): object {
  if (c.decision === "allow" && !options.allowSafe) return {};
  return {
    hookSpecificOutput: {
      hookEventName: "PreToolUse",
      permissionDecision: c.decision,
      permissionDecisionReason: summary(c),
    },
  };
}

/** When the hook input cannot be read, the guard fails closed: a human is asked. */
export function claudeCodeFailure(message: string): object {
  return {
    hookSpecificOutput: {
      hookEventName: "PreToolUse",
      permissionDecision: "ask",
      permissionDecisionReason: `leash guard could not read the hook input: ${message}`,
    },
  };
}

/** The Cursor events whose action leash judges; any other is answered "ask", not guessed at. */
const CURSOR_EVENTS = ["beforeShellExecution", "beforeMCPExecution", "preToolUse"];

/**
 * Cursor's beforeShellExecution carries `command`; beforeMCPExecution carries `tool_name` and `tool_input` (a JSON
 * text), and also the `command` that starts the MCP server, which is not what is about to run; preToolUse carries
 * `tool_name` and `tool_input` for every tool, its terminal's `Shell` among them. Each is read by its
 * `hook_event_name`; an event without one (early releases) by the fields it has.
 */
export function cursorAction(input: unknown, platform: NodeJS.Platform = process.platform): AgentAction {
  const event = eventObject(input);
  const kind = event.hook_event_name;
  // Cursor's terminal on Windows is PowerShell unless its user chose another shell: read both ways there.
  const shell = (command: unknown, field: string) => {
    const { command: text } = shellCommand(command, field);
    return platform === "win32" ? { command: text, readAlsoAs: [powershellLine(text)] } : { command: text };
  };
  if (kind === "beforeShellExecution") return shell(event.command, "command");
  if (kind === "beforeMCPExecution") return cursorToolCall(event);
  if (kind === "preToolUse") {
    const tool = typeof event.tool_name === "string" ? event.tool_name.toLowerCase() : "";
    if (tool === "shell") return shell(toolArguments(event.tool_input).command, "tool_input.command");
    if (CURSOR_WRITE_TOOLS.has(tool)) return cursorFileWrite(toolArguments(event.tool_input));
    if (CURSOR_READ_TOOLS.has(tool)) return cursorFileRead(toolArguments(event.tool_input), tool);
    return cursorToolCall(event);
  }
  if (kind !== undefined)
    throw new TypeError(
      `hook_event_name ${JSON.stringify(kind)}: leash judges only ${CURSOR_EVENTS.join(", ")} events`,
    );
  // An MCP event without a readable tool name is not judged by the command that starts the server.
  if (typeof event.tool_name === "string" || "tool_name" in event || "tool_input" in event)
    return cursorToolCall(event);
  return shell(event.command, "command");
}

/**
 * Cursor's own tools that write the file they name, seen in its preToolUse event. Each is read as the shell write of
 * that file, as Claude Code's are. Their input fields are not documented, so every field any of them may name the
 * file in is read, and each path found is judged; a write whose file cannot be found is asked about.
 */
const CURSOR_WRITE_TOOLS = new Set(["write", "edit", "strreplace", "multiedit", "editnotebook"]);
const CURSOR_PATH_FIELDS = [
  "file_path",
  "path",
  "target_file",
  "target_notebook",
  "notebook_path",
  "filePath",
  "file",
];

function cursorFileWrite(input: Record<string, unknown>): AgentAction {
  const paths = cursorPaths(input);
  if (paths.length === 0)
    throw new TypeError(`tool_input names no file in any of ${CURSOR_PATH_FIELDS.join(", ")}`);
  return { command: paths.map((path) => `: > ${shellQuoted(path)}`).join("; ") };
}

/**
 * Cursor's own tools that read, judged as Claude Code's are: `cat` of the file, `grep -r` of the folder searched (the
 * project when none is named). A read whose file cannot be found is asked about.
 */
const CURSOR_READ_TOOLS = new Set(["read", "readfile", "read_file", "grep"]);

function cursorFileRead(input: Record<string, unknown>, tool: string): AgentAction {
  const paths = cursorPaths(input).map(toolPath);
  if (tool === "grep")
    return { command: `grep -r -e '' -- ${(paths.length ? paths : ["."]).map(shellQuoted).join(" ")}` };
  if (paths.length === 0)
    throw new TypeError(`tool_input names no file in any of ${CURSOR_PATH_FIELDS.join(", ")}`);
  return { command: `cat -- ${paths.map(shellQuoted).join(" ")}` };
}

/** Every path a Cursor file tool's input names, once each. */
function cursorPaths(input: Record<string, unknown>): string[] {
  const paths = CURSOR_PATH_FIELDS.map((field) => input[field]).filter(
    (value): value is string => typeof value === "string" && value !== "",
  );
  return [...new Set(paths)];
}

function cursorToolCall(event: Record<string, unknown>): AgentAction {
  const name = event.tool_name;
  if (typeof name !== "string" || !name) throw new TypeError("tool_name is missing");
  return { toolCall: { name, input: toolArguments(event.tool_input) } };
}

/**
 * Cursor documents snake_case message fields; early releases read camelCase. Both are written. Safe commands get no
 * opinion (`{}`, Cursor's own rules apply) unless `allowSafe`.
 */
export function cursorOutput(c: Classification, options: HookOptions = {}): object {
  if (c.decision === "allow" && !options.allowSafe) return {};
  const user = c.decision === "allow" ? "" : `leash: ${summary(c)}`;
  const agent = summary(c);
  return {
    permission: c.decision,
    userMessage: user,
    agentMessage: agent,
    user_message: user,
    agent_message: agent,
  };
}

export function cursorFailure(message: string): object {
  const text = `leash guard could not read the hook input: ${message}`;
  return {
    permission: "ask",
    userMessage: text,
    agentMessage: text,
    user_message: text,
    agent_message: text,
  };
}

/** One line for a human: the decision, what the command does and where. */
export function summary(c: Classification): string {
  const head = `${c.decision}${c.destructive ? " (destructive)" : ""}, environment ${c.environment}${c.actions.length ? `, actions ${c.actions.join(", ")}` : ""}`;
  return c.reasons.length ? `${head}: ${c.reasons.slice(0, 3).join("; ")}` : head;
}
