// The `leash` program shell: name, version, help conventions and how a failed command is reported. Which commands
// it holds is decided by the entry point: every command for `leash`, only the hooks for the hook entry.
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { LeashError } from "../errors/leash-error.ts";
import { visibleText } from "../text/visible-text.ts";
import type { TokenVerificationError } from "../tokens/verify-task-token.ts";

export type Register = (program: Command) => void;

/** The package's version; package.json is two levels up from both src/cli and dist/cli. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return String(manifest.version);
}

/**
 * The program for `argv`: only the command module it runs is loaded. Without a command (the default), every module
 * is, as for `--help`; the conventions test walks that tree.
 */
/** The `leash` program with the given command groups registered. */
export function buildProgram(registers: Register[]): Command {
  const program = new Command("leash")
    .description("secrets broker for AI coding agents: per-task, per-environment tokens")
    .version(packageVersion(), "-V, --version", "print leash's version")
    .showHelpAfterError()
    .exitOverride();
  for (const register of registers) register(program);
  markRequiredOptions(program);
  return program;
}

/** Runs `argv` through the program; a failure becomes a message on stderr and a non-zero exit status. */
export async function runProgram(program: Command, argv: string[]): Promise<void> {
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = reportCliError(error);
  }
}

/** `--help` says which options a command cannot run without: commander lists them like any other. */
function markRequiredOptions(command: Command): void {
  for (const option of command.options)
    if (option.mandatory && !option.description.endsWith("(required)")) option.description += " (required)";
  for (const sub of command.commands) markRequiredOptions(sub);
}

function reportCliError(error: unknown): number {
  if (error && typeof error === "object" && "exitCode" in error && "code" in error) {
    const code = String((error as { code: string }).code);
    // commander already printed help or the parse error.
    if (code.startsWith("commander.")) return Number((error as { exitCode: number }).exitCode);
  }
  // By name: importing the class would load jose into every command, the hook included.
  if (error instanceof Error && error.name === "TokenVerificationError") {
    const refusal = error as TokenVerificationError;
    process.stderr.write(
      `leash: token refused: ${visibleText(refusal.message)} (${visibleText(refusal.code)})\n`,
    );
    return 1;
  }
  if (error instanceof LeashError) {
    const oauth = typeof error.extra.error === "string" ? `${error.extra.error}: ` : "";
    process.stderr.write(`leash: ${visibleText(error.message)} (${visibleText(`${oauth}${error.code}`)})\n`);
    return 1;
  }
  process.stderr.write(`leash: ${visibleText(error instanceof Error ? error.message : String(error))}\n`);
  return 1;
}
