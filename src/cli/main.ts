// The `leash` command line: a thin layer over the library and the HTTP API. Each command group registers itself.
import { Command } from "commander";
import { TokenVerificationError } from "../client/verify-task-token.ts";
import { LeashError } from "../errors/leash-error.ts";
import { registerApprovalCommands } from "./commands/approvals.ts";
import { registerAuditCommands } from "./commands/audit.ts";
import { registerDevCommand } from "./commands/dev.ts";
import { registerDoctorCommand } from "./commands/doctor.ts";
import { registerExecCommand } from "./commands/exec.ts";
import { registerGuardCommands } from "./commands/guard.ts";
import { registerHookCommands } from "./commands/hook.ts";
import { registerPrincipalCommands } from "./commands/principals.ts";
import { registerProxyCommand } from "./commands/proxy.ts";
import { registerRevokeCommand } from "./commands/revoke.ts";
import { registerScopesCommands } from "./commands/scopes.ts";
import { registerServeCommands } from "./commands/serve.ts";
import { registerTokenCommand } from "./commands/token.ts";
import { registerVerifyCommand } from "./commands/verify.ts";

export async function main(argv: string[]): Promise<void> {
  const program = new Command("leash")
    .description("secrets broker for AI coding agents: per-task, per-environment tokens")
    .showHelpAfterError()
    .exitOverride();
  registerDevCommand(program);
  registerServeCommands(program);
  registerTokenCommand(program);
  registerExecCommand(program);
  registerPrincipalCommands(program);
  registerRevokeCommand(program);
  registerApprovalCommands(program);
  registerAuditCommands(program);
  registerVerifyCommand(program);
  registerScopesCommands(program);
  registerProxyCommand(program);
  registerGuardCommands(program);
  registerHookCommands(program);
  registerDoctorCommand(program);
  try {
    await program.parseAsync(argv);
  } catch (error) {
    process.exitCode = reportCliError(error);
  }
}

function reportCliError(error: unknown): number {
  if (error && typeof error === "object" && "exitCode" in error && "code" in error) {
    const code = String((error as { code: string }).code);
    // commander already printed help or the parse error.
    if (code.startsWith("commander.")) return Number((error as { exitCode: number }).exitCode);
  }
  if (error instanceof TokenVerificationError) {
    process.stderr.write(`leash: token refused: ${error.message} (${error.code})\n`);
    return 1;
  }
  if (error instanceof LeashError) {
    process.stderr.write(`leash: ${error.message} (${error.code})\n`);
    return 1;
  }
  process.stderr.write(`leash: ${error instanceof Error ? error.message : String(error)}\n`);
  return 1;
}
