// The entry point of `leash hook …`, which an agent runs before every shell command it makes: only the hook
// commands, built into one bundle (dist/hook/) so a hook call loads a handful of files instead of dozens. A plain
// call is read without commander (hook-argv.ts); commander loads only for anything else.
import { setFlagsFromString } from "node:v8";
import { endQuietlyWhenStdoutCloses } from "./commands/guard.ts";
import { registerHookCommands, runHook } from "./commands/hook.ts";
import { plainHookCall } from "./hook-argv.ts";

// A hook lives for one command: WebAssembly compiled by the baseline compiler only (the PostgreSQL parser is 1.7 MB
// of it) saves the optimising recompiles a short process never profits from, about a third of such a call's CPU.
setFlagsFromString("--liftoff-only");

export async function main(argv: string[]): Promise<void> {
  endQuietlyWhenStdoutCloses();
  const plain = plainHookCall(argv);
  if (plain) {
    await runHook(plain.agent, plain.options);
    return;
  }
  const { buildProgram, runProgram } = await import("./program.ts");
  await runProgram(buildProgram([registerHookCommands]), argv);
}
