// Agent hook formats: Claude Code's PreToolUse and Cursor's beforeShellExecution and beforeMCPExecution, in and out.
import type { ToolCall } from "./analysis.ts";
import type { Classification, Decision } from "./types.ts";

/** What an agent is about to do: run a shell command, or call an MCP server's tool. */
export type AgentAction = { command: string } | { toolCall: ToolCall };

/**
 * The shell command or MCP tool call a Claude Code PreToolUse event carries, or null for its other tools (reading
 * and editing files, searching the web): the guard has no opinion on those.
 */
export function claudeCodeAction(input: unknown): AgentAction | null {
  const event = input as { tool_name?: unknown; tool_input?: { command?: unknown } } | null;
  if (!event || typeof event !== "object") throw new TypeError("expected a JSON object");
  if (typeof event.tool_name === "string" && event.tool_name.startsWith("mcp__"))
    return { toolCall: { name: event.tool_name, input: event.tool_input } };
  if (event.tool_name !== "Bash") return null;
  const command = event.tool_input?.command;
  if (typeof command !== "string") throw new TypeError("tool_input.command is missing");
  return { command };
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

/**
 * Cursor's beforeShellExecution carries `command`; beforeMCPExecution carries `tool_name` and `tool_input` (a JSON
 * text), and also the `command` that starts the MCP server, which is not what is about to run.
 */
export function cursorAction(input: unknown): AgentAction {
  const event = input as {
    command?: unknown;
    tool_name?: unknown;
    tool_input?: unknown;
    hook_event_name?: unknown;
  } | null;
  if (!event || typeof event !== "object") throw new TypeError("expected a JSON object");
  // An MCP event without a readable tool name is not judged by the command that starts the server.
  if (
    typeof event.tool_name !== "string" &&
    (event.hook_event_name === "beforeMCPExecution" || "tool_input" in event)
  )
    throw new TypeError("tool_name is missing");
  if (typeof event.tool_name === "string") {
    const raw = event.tool_input;
    return { toolCall: { name: event.tool_name, input: typeof raw === "string" ? JSON.parse(raw) : raw } };
  }
  if (typeof event.command !== "string") throw new TypeError("command is missing");
  return { command: event.command };
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
