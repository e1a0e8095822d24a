// `leash hook claude-code|cursor`: the guard as an agent hook. Reads the agent's event on stdin and prints the
// decision in that agent's format; input it cannot read is answered with "ask".
import { isAbsolute, relative, resolve } from "node:path";
import type { Command } from "commander";
import { guardSettings } from "../../config/guard-env.ts";
import { guardModelSettings } from "../../config/guard-model-env.ts";
import type { AgentAction } from "../../guard/hooks.ts";
import { parseJson } from "../../guard/json-text.ts";
import { projectFilesIn } from "../../guard/project-files.ts";
import type { Classification, GuardContext } from "../../guard/types.ts";
import { terminalSafeJson } from "../../text/visible-text.ts";
import { askThroughLeash } from "../hook-approval.ts";
import { readStandardText, writeStandardOutput } from "../standard-io.ts";
import { type GuardCliOptions, guardClassifier, guardContext } from "./guard.ts";

const MAX_INPUT = 10 * 1024 * 1024;
/**
 * How long the rules may read one command. An agent that waits longer for its hook goes on as if the hook had no
 * opinion (Cursor after a few seconds by default), so a command the rules cannot finish reading sooner is asked about.
 */
const READING_TIME_MS = 3000;

const HOOK_HELP = `
The task's environment and intent come from the task token (LEASH_TOKEN; verified against the environment's JWKS
when LEASH_URL answers), else from --env or LEASH_ENV and LEASH_INTENT; environments.yaml from
--scopes-dir, LEASH_SCOPES_DIR or ./scopes (one in the project only adds to the defaults: it cannot unprotect or
hide production). The exit status is 0; the decision is in the JSON printed. A call that fails outside its answer
exits 2 with the reason on stderr, which the agents take as a block.
With --wait-approval N (or LEASH_HOOK_WAIT_SECONDS) and the task's LEASH_URL and LEASH_TOKEN, an "ask" becomes a
leash approval for the exact command: approved → allow, denied or no decision in time → deny.
A command judged safe gets no opinion ({}), so the agent's own permission rules still apply; --allow-safe answers
"allow" instead. Commands the guard is unsure of (code it cannot read, secrets sent to the network) are asked about.`;
const ALLOW_SAFE_DESCRIPTION = "answer allow (skip the agent's own prompt) for commands judged safe";

export type HookOptions = GuardCliOptions & { waitApproval?: number; allowSafe?: boolean };

const WAIT_FLAG = "--wait-approval <seconds>";
const WAIT_DESCRIPTION =
  "on ask, open a leash approval (LEASH_URL, LEASH_TOKEN) and wait this long for a human; 0 leaves it to the agent UI (default: $LEASH_HOOK_WAIT_SECONDS, else 0)";

export function parseSeconds(value: string): number {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds < 0 || seconds > 3600)
    throw new Error("--wait-approval: 0 to 3600 seconds");
  return seconds;
}

/**
 * The rules' classification of a command or an MCP tool call, with the model's second opinion when configured;
 * `shown` is the action as a human and the model see it.
 */
async function classifyAction(
  action: AgentAction,
  shown: string,
  context: GuardContext,
): Promise<Classification> {
  if ("command" in action) {
    const classify = await guardClassifier();
    const { stricterReading } = await import("../../guard/hooks.ts");
    let reading = await classify(action.command, context);
    for (const other of action.readAlsoAs ?? [])
      reading = stricterReading(reading, await classify(other, context));
    return reading;
  }
  const { classifyToolCallPrepared } = await import("../../guard/classifier.ts");
  const rules = (_shown: string, c: GuardContext) => classifyToolCallPrepared(action.toolCall, c);
  const model = await guardModelSettings();
  if (!model) return rules(shown, context);
  const { classifyWithModel } = await import("../../guard/model.ts");
  return classifyWithModel(shown, context, model, rules);
}

/**
 * A bad setting (here or the model's) throws, and is answered "ask" with the message, like any failure. `directory`:
 * where the agent runs the action, whose scripts and package scripts the rules read.
 */
async function decide(action: AgentAction, options: HookOptions, directory: string) {
  const settings = await guardSettings();
  const { forHook } = await import("../../guard/hooks.ts");
  const context: GuardContext = {
    ...(await guardContext(options, settings)),
    environmentsFromProject: scopesFromProject(options.scopesDir ?? settings.scopesDir, directory),
    deadline: Date.now() + READING_TIME_MS,
    projectFiles: projectFilesIn(directory),
  };
  const command =
    "command" in action
      ? action.command
      : (await import("../../guard/tool-call.ts")).describeToolCall(action.toolCall);
  const classification = forHook(await classifyAction(action, command, context));
  const decided = await askThroughLeash(classification, command, {
    url: settings.url,
    token: settings.token,
    waitSeconds: options.waitApproval ?? settings.hookWaitSeconds,
  });
  // A human's approval through leash is an explicit allow, not the guard's "no opinion".
  const approved = decided !== classification && decided.decision === "allow";
  return { decided, output: { allowSafe: options.allowSafe || approved } };
}

/**
 * Whether the environments come from the project the agent works in, which the agent or the repository wrote, and so
 * only add to what the guard knows: ./scopes, or a named directory inside the project or the hook's working directory
 * (a repository's agent settings can set LEASH_SCOPES_DIR as well as the operator can).
 */
function scopesFromProject(named: string | undefined, directory: string): boolean {
  if (named === undefined) return true;
  const scopes = resolve(named);
  return [directory, process.cwd()].some((dir) => {
    const inside = relative(resolve(dir), scopes);
    return !isAbsolute(inside) && inside.split(/[\\/]/)[0] !== "..";
  });
}

/** The agents a hook answers for, each in its own format. */
export const HOOK_AGENTS = ["claude-code", "cursor"] as const;
export type HookAgent = (typeof HOOK_AGENTS)[number];

/**
 * One hook call: the agent's event from stdin, its decision on stdout; input it cannot read is answered "ask". With
 * `refuse` (a command line the hook cannot read), the event is read and answered "ask" with that reason.
 */
export async function runHook(agent: HookAgent, options: HookOptions | { refuse: string }): Promise<void> {
  const hooks = await import("../../guard/hooks.ts");
  let output: object;
  try {
    const input = await readStandardText(
      MAX_INPUT,
      "hook input larger than 10 MiB",
      "hook input is not UTF-8 text",
    );
    if ("refuse" in options) throw new Error(options.refuse);
    const event = parseJson(input);
    const directory = hooks.eventDirectory(event) ?? process.cwd();
    if (agent === "claude-code") {
      const action = hooks.claudeCodeAction(event);
      if (action === null) output = {};
      else {
        const { decided, output: how } = await decide(action, options, directory);
        output = hooks.claudeCodeOutput(decided, how);
      }
    } else {
      const { decided, output: how } = await decide(hooks.cursorAction(event), options, directory);
      output = hooks.cursorOutput(decided, how);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    output = agent === "claude-code" ? hooks.claudeCodeFailure(message) : hooks.cursorFailure(message);
  }
  writeStandardOutput(`${terminalSafeJson(output)}\n`);
}

/** The agent a `leash hook AGENT …` command line answers for, or undefined for any other (help among them). */
export function hookCallAgent(argv: readonly string[]): HookAgent | undefined {
  const [, , command, agent, ...rest] = argv;
  if (command !== "hook" || !HOOK_AGENTS.includes(agent as HookAgent)) return undefined;
  return rest.some((arg) => arg === "-h" || arg === "--help") ? undefined : (agent as HookAgent);
}

/**
 * Runs a hook call through commander. A command line commander refuses (an unknown option, a bad value) is answered
 * "ask" in the agent's format with commander's reason, as a plain call's is: a hook that exits 1 is read by the agent
 * as having no opinion.
 */
export async function runHookCommandLine(program: Command, argv: string[], agent: HookAgent): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === "commander.helpDisplayed" || code === "commander.version") return;
    await runHook(agent, { refuse: `leash hook ${agent}: ${(error as Error).message}` });
  }
}

export function registerHookCommands(program: Command): void {
  const hook = program
    .command("hook")
    .description("run the guard as an agent hook (stdin: the agent's event, stdout: its decision)");
  hook
    .command("claude-code")
    .description(
      'Claude Code PreToolUse hook: Bash and PowerShell commands and MCP tool calls get ask/deny, or no opinion ("{}") when safe',
    )
    .option("--allow-safe", ALLOW_SAFE_DESCRIPTION)
    .option("--env <env>", "the task's environment (default: $LEASH_ENV)")
    .option("--scopes-dir <dir>", "directory with environments.yaml")
    .option(WAIT_FLAG, WAIT_DESCRIPTION, parseSeconds)
    .addHelpText("after", HOOK_HELP)
    .action((options: HookOptions) => runHook("claude-code", options));
  hook
    .command("cursor")
    .description(
      "Cursor beforeShellExecution, beforeMCPExecution and preToolUse hook: permission ask/deny with messages, or no opinion ({}) when safe",
    )
    .option("--allow-safe", ALLOW_SAFE_DESCRIPTION)
    .option("--env <env>", "the task's environment (default: $LEASH_ENV)")
    .option("--scopes-dir <dir>", "directory with environments.yaml")
    .option(WAIT_FLAG, WAIT_DESCRIPTION, parseSeconds)
    .addHelpText("after", HOOK_HELP)
    .action((options: HookOptions) => runHook("cursor", options));
}
