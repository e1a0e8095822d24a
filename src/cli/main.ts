// The `leash` command line: a thin layer over the library and the HTTP API. Each command group registers itself.
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { LeashError } from "../errors/leash-error.ts";
import { visibleText } from "../text/visible-text.ts";
import type { TokenVerificationError } from "../tokens/verify-task-token.ts";

type Register = (program: Command) => void;

/**
 * Which module registers each top-level command. Only the module for the command being run is loaded, so a hook
 * that runs once per agent command does not pay for the broker's HTTP stack; `--help` loads them all.
 */
const COMMAND_MODULES: Record<string, () => Promise<Register>> = {
  dev: async () => (await import("./commands/dev.ts")).registerDevCommand,
  serve: async () => (await import("./commands/serve.ts")).registerServeCommands,
  token: async () => (await import("./commands/token.ts")).registerTokenCommand,
  exec: async () => (await import("./commands/exec.ts")).registerExecCommand,
  agents: async () => (await import("./commands/principals.ts")).registerPrincipalCommands,
  revoke: async () => (await import("./commands/revoke.ts")).registerRevokeCommand,
  approvals: async () => (await import("./commands/approvals.ts")).registerApprovalCommands,
  audit: async () => (await import("./commands/audit.ts")).registerAuditCommands,
  verify: async () => (await import("./commands/verify.ts")).registerVerifyCommand,
  scopes: async () => (await import("./commands/scopes.ts")).registerScopesCommands,
  proxy: async () => (await import("./commands/proxy.ts")).registerProxyCommand,
  mcp: async () => (await import("./commands/mcp.ts")).registerMcpCommands,
  guard: async () => (await import("./commands/guard.ts")).registerGuardCommands,
  hook: async () => (await import("./commands/hook.ts")).registerHookCommands,
  doctor: async () => (await import("./commands/doctor.ts")).registerDoctorCommand,
};
/** Commands registered by another command's module. */
const ALIASES: Record<string, string> = {
  init: "serve",
  keys: "serve",
  humans: "agents",
  approve: "approvals",
  deny: "approvals",
  locks: "revoke",
};

async function registerCommands(program: Command, argv: string[]): Promise<void> {
  const name = argv[2] ?? "";
  if (name === "-V" || name === "--version") return;
  const module = COMMAND_MODULES[ALIASES[name] ?? name];
  const loaders = module ? [module] : Object.values(COMMAND_MODULES);
  for (const register of await Promise.all(loaders.map((load) => load()))) register(program);
}

/** The package's version; package.json is two levels up from both src/cli and dist/cli. */
function packageVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8"));
  return String(manifest.version);
}

/**
 * The program for `argv`: only the command module it runs is loaded. Without a command (the default), every module
 * is, as for `--help`; the conventions test walks that tree.
 */
export async function leashProgram(argv: string[] = []): Promise<Command> {
  const program = new Command("leash")
    .description("secrets broker for AI coding agents: per-task, per-environment tokens")
    .version(packageVersion(), "-V, --version", "print leash's version")
    .showHelpAfterError()
    .exitOverride();
  await registerCommands(program, argv);
  markRequiredOptions(program);
  return program;
}

export async function main(argv: string[]): Promise<void> {
  const program = await leashProgram(argv);
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
