// The entry point of `leash hook …`, which an agent runs before every shell command it makes: only the hook
// commands, built into one bundle (dist/hook/) so a hook call loads a handful of files instead of dozens.
import { registerHookCommands } from "./commands/hook.ts";
import { buildProgram, runProgram } from "./program.ts";

export async function main(argv: string[]): Promise<void> {
  await runProgram(buildProgram([registerHookCommands]), argv);
}
