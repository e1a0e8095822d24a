// `leash scopes lint [dir]`: validates a scopes directory and its policy before any broker serves it.
import type { Command } from "commander";
import { cliEnv } from "../../config/cli-env.ts";
import { lintScopeDir } from "../../scopes/lint.ts";
import { formatProblem } from "../../scopes/load.ts";
import { terminalSafeJson } from "../../text/visible-text.ts";

export function registerScopesCommands(program: Command): void {
  const scopes = program.command("scopes").description("scope files");
  scopes
    .command("lint")
    .description("validate environments.yaml, actions.yaml and every scope file; exit 1 on any problem")
    .argument("[dir]", "scopes directory (default: $LEASH_SCOPES_DIR or ./scopes)")
    .option("--json", "print the result as one JSON object: ok, counts and hash, or every problem")
    .action(async (dir: string | undefined, options: { json?: boolean }) => {
      // The CLI edge is where a default directory is chosen; the library always takes it as an argument.
      const scopesDir = dir ?? cliEnv().LEASH_SCOPES_DIR ?? "./scopes";
      process.exitCode = await lintCommand(scopesDir, options.json === true);
    });
}

async function lintCommand(dir: string, json: boolean): Promise<number> {
  const { set, problems } = await lintScopeDir(dir);
  if (json) {
    const ok = problems.length === 0 && Boolean(set);
    const summary = set
      ? {
          scopes: set.scopes.size,
          environments: set.environments.size,
          actions: set.actions.size,
          hash: set.hash,
        }
      : {};
    process.stdout.write(`${terminalSafeJson({ ok, dir, ...(ok ? summary : {}), problems })}\n`);
    return ok ? 0 : 1;
  }
  if (problems.length > 0) {
    for (const problem of problems) process.stderr.write(`${formatProblem(problem)}\n`);
    const noun = problems.length === 1 ? "problem" : "problems";
    process.stderr.write(`${problems.length} ${noun} in ${dir}\n`);
    return 1;
  }
  if (!set) return 1;
  process.stdout.write(
    `OK ${set.scopes.size} scopes, ${set.environments.size} environments, ${set.actions.size} actions (hash ${set.hash.slice(0, 12)})\n`,
  );
  return 0;
}
