// `leash hook claude-code|cursor`: the guard as an agent hook. Reads the agent's event on stdin and prints the
// decision in that agent's format; input it cannot read is answered with "ask".
import type { Command } from "commander";
import { type GuardCliOptions, guardClassifier, guardContext } from "./guard.ts";

const MAX_INPUT = 10 * 1024 * 1024;

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of process.stdin) {
    size += (chunk as Buffer).length;
    if (size > MAX_INPUT) throw new Error("hook input larger than 10 MiB");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString("utf8");
}

const HOOK_HELP = `
The task's environment comes from --env or LEASH_ENV, its intent from LEASH_INTENT, environments.yaml from
--scopes-dir, LEASH_SCOPES_DIR or ./scopes. The exit status is 0; the decision is in the JSON printed.`;

export function registerHookCommands(program: Command): void {
  const hook = program
    .command("hook")
    .description("run the guard as an agent hook (stdin: the agent's event, stdout: its decision)");
  hook
    .command("claude-code")
    .description(
      'Claude Code PreToolUse hook: Bash commands get allow/ask/deny; other tools get no opinion ("{}")',
    )
    .option("--env <env>", "the task's environment (default: $LEASH_ENV)")
    .option("--scopes-dir <dir>", "directory with environments.yaml")
    .addHelpText("after", HOOK_HELP)
    .action(async (options: GuardCliOptions) => {
      const { claudeCodeCommand, claudeCodeFailure, claudeCodeOutput } = await import("../../guard/hooks.ts");
      let output: object;
      try {
        const command = claudeCodeCommand(JSON.parse(await readStdin()));
        output =
          command === null
            ? {}
            : claudeCodeOutput(await (await guardClassifier())(command, await guardContext(options)));
      } catch (error) {
        output = claudeCodeFailure(error instanceof Error ? error.message : String(error));
      }
      process.stdout.write(`${JSON.stringify(output)}\n`);
    });
  hook
    .command("cursor")
    .description(
      "Cursor beforeShellExecution hook: prints permission allow/ask/deny with messages for the user and the agent",
    )
    .option("--env <env>", "the task's environment (default: $LEASH_ENV)")
    .option("--scopes-dir <dir>", "directory with environments.yaml")
    .addHelpText("after", HOOK_HELP)
    .action(async (options: GuardCliOptions) => {
      const { cursorCommand, cursorFailure, cursorOutput } = await import("../../guard/hooks.ts");
      let output: object;
      try {
        const command = cursorCommand(JSON.parse(await readStdin()));
        output = cursorOutput(await (await guardClassifier())(command, await guardContext(options)));
      } catch (error) {
        output = cursorFailure(error instanceof Error ? error.message : String(error));
      }
      process.stdout.write(`${JSON.stringify(output)}\n`);
    });
}
