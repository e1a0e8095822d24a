// The entry point of `leash hook …`, which an agent runs before every shell command it makes: only the hook
// commands, built into one CommonJS file (dist/hook/main.cjs, loaded by hook-bundle.cts with its code cache). A plain
// call is read without commander (hook-argv.ts); commander loads only for anything else.
import { useBaselineCompilerForSqlParser } from "../guard/sql/postgres-parser.ts";
import { endQuietlyWhenStdoutCloses } from "./commands/guard.ts";
import { hookCallAgent, registerHookCommands, runHook, runHookCommandLine } from "./commands/hook.ts";
import { plainHookCall } from "./hook-argv.ts";

export async function main(argv: string[]): Promise<void> {
  useBaselineCompilerForSqlParser();
  const plain = plainHookCall(argv);
  if (plain) {
    // Reads and writes its descriptors directly (standard-io.ts), without loading process.stdin and stdout.
    await runHook(plain.agent, "error" in plain ? { refuse: plain.error } : plain.options);
    return;
  }
  endQuietlyWhenStdoutCloses();
  const { buildProgram, runProgram } = await import("./program.ts");
  const program = buildProgram([registerHookCommands]);
  const agent = hookCallAgent(argv);
  await (agent ? runHookCommandLine(program, argv, agent) : runProgram(program, argv));
}
