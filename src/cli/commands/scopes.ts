// `leash scopes lint [dir]`.
import type { Command } from "commander";

export function registerScopesCommands(program: Command): void {
  program.command("scopes").description("scope files");
}
