// The `leash` command line: a thin layer over the library and the HTTP API. Each command group registers itself.
import type { Command } from "commander";
import { buildProgram, type Register, runProgram } from "./program.ts";

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

async function commandModules(argv: string[]): Promise<Register[]> {
  const name = argv[2] ?? "";
  if (name === "-V" || name === "--version") return [];
  const module = COMMAND_MODULES[ALIASES[name] ?? name];
  const loaders = module ? [module] : Object.values(COMMAND_MODULES);
  return Promise.all(loaders.map((load) => load()));
}

/**
 * The program for `argv`: only the command module it runs is loaded. Without a command (the default), every module
 * is, as for `--help`; the conventions test walks that tree.
 */
export async function leashProgram(argv: string[] = []): Promise<Command> {
  return buildProgram(await commandModules(argv));
}

export async function main(argv: string[]): Promise<void> {
  const program = await leashProgram(argv);
  if (argv[2] === "hook") {
    const { hookCallAgent, runHookCommandLine } = await import("./commands/hook.ts");
    const agent = hookCallAgent(argv);
    if (agent) return runHookCommandLine(program, argv, agent);
  }
  await runProgram(program, argv);
}
