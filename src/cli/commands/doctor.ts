// `leash doctor`: finds long-lived secrets an agent could pick up, with a fix for each; exit 1 when any is found.
import type { Command } from "commander";
import { terminalSafeJson, visibleText } from "../../text/visible-text.ts";

export function registerDoctorCommand(program: Command): void {
  program
    .command("doctor")
    .description("scan the environment, working tree and dotfiles for long-lived secrets an agent could find")
    .option("--dir <dir>", "working tree to scan", ".")
    .option("--history", "also scan shell and REPL history files")
    .option(
      "--no-home",
      "skip dotfiles in the home directory (~/.aws/credentials, ~/.npmrc, ~/.kube/config…)",
    )
    .option("--json", "print findings as a JSON array")
    .addHelpText(
      "after",
      "\nExit status: 0 nothing found, 1 secrets found (or bad usage). Secrets are printed masked: all but 4 characters.",
    )
    .action(async (options: { dir: string; history?: boolean; home: boolean; json?: boolean }) => {
      const { runDoctor } = await import("../../guard/doctor.ts");
      const findings = runDoctor({
        dir: options.dir,
        history: options.history,
        home: options.home ? undefined : null,
      });
      if (options.json) process.stdout.write(`${terminalSafeJson(findings)}\n`);
      else if (findings.length === 0) process.stdout.write("no long-lived secrets found\n");
      else {
        for (const f of findings) {
          // File names and variable names are whatever the working tree holds: shown, never obeyed.
          const where = f.file === "env" ? `env ${f.name}` : `${f.file}:${f.line}`;
          process.stdout.write(
            `${visibleText(where)}  ${visibleText(f.kind)}  ${visibleText(f.secret)}\n  fix: ${visibleText(f.fix)}\n`,
          );
        }
        process.stdout.write(
          `${findings.length} long-lived secret${findings.length === 1 ? "" : "s"} found\n`,
        );
      }
      process.exitCode = findings.length ? 1 : 0;
    });
}
