// `leash exec --scope S --intent "…" -- cmd args`: run one command as one task, with a scrubbed environment, then end
// the task so its token and credentials die with the command.
import { spawn } from "node:child_process";
import { constants } from "node:os";
import type { Command } from "commander";
import { LeashError } from "../../errors/leash-error.ts";
import { childEnvironment, type TaskGrant } from "../../exec/child-environment.ts";
import { apiClientFromEnv, callApi } from "../api-client.ts";
import { parseList } from "../options.ts";
import { exchangeTaskToken, parentFromEnv } from "./token-exchange.ts";

interface ExecOptions {
  scope?: string;
  delegate?: boolean;
  resources?: string[];
  intent: string;
  ttl?: string;
  actions?: string[];
  keep?: string[];
  quiet?: boolean;
}

interface MintAnswer {
  request_id?: string;
  token: string;
  task: { id: string };
  granted: { environment: string };
  credentials?: TaskGrant["credentials"];
}

const FORWARDED_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export function registerExecCommand(program: Command): void {
  program
    .command("exec")
    .description(
      "run a command as one task: scrubbed environment, task token injected, task revoked when it exits",
    )
    .option("--scope <scope>", "scope id (a new task)")
    .option("--delegate", "run as a sub-task of LEASH_TOKEN's task: a narrower child token (token exchange)")
    .requiredOption("--intent <text>", "what the command is for")
    .option("--ttl <duration>", "token lifetime (default: the scope's)")
    .option("--actions <list>", "comma-separated subset of the scope's actions", parseList)
    .option("--resources <list>", "with --delegate: comma-separated globs inside the parent's", parseList)
    .option(
      "--keep <vars>",
      "comma-separated variables to pass through even if they look like secrets",
      parseList,
    )
    .option("--quiet", "do not list the variables removed")
    .argument("<command...>", "the command and its arguments (after --)")
    .action(async (command: string[], options: ExecOptions) => {
      if (options.delegate === (options.scope !== undefined))
        throw new Error("name either --scope (a new task) or --delegate (a sub-task of LEASH_TOKEN's task)");
      if (options.delegate) {
        const parent = parentFromEnv();
        const child = await exchangeTaskToken(parent, { ...options });
        const grant: TaskGrant = {
          url: parent.url,
          token: child.access_token,
          task: child.task.id,
          subTask: child.task.sub_task,
          environment: child.granted.environment,
          intent: options.intent,
        };
        await runAsTask(command, grant, options);
        return;
      }
      const client = apiClientFromEnv("LEASH_AGENT_KEY");
      const { status, body } = await callApi<MintAnswer>(client, "POST", "/v1/tokens", {
        scope: options.scope,
        task: { intent: options.intent },
        ...(options.ttl ? { ttl: options.ttl } : {}),
        ...(options.actions ? { actions: options.actions } : {}),
      });
      if (status !== 201)
        throw new Error(`scope ${options.scope} needs issuance approval (request ${body.request_id})`);
      const grant: TaskGrant = {
        url: client.url,
        token: body.token,
        task: body.task.id,
        environment: body.granted.environment,
        intent: options.intent,
        credentials: body.credentials,
      };
      await runAsTask(command, grant, options);
    });
}

/** Runs the command with the grant in a scrubbed environment, then ends the task (a child ends only its sub-task). */
async function runAsTask(command: string[], grant: TaskGrant, options: ExecOptions): Promise<void> {
  const { env, removed } = childEnvironment(process.env, grant, options.keep);
  if (removed.length > 0 && !options.quiet) {
    process.stderr.write(`leash exec: not passing ${removed.join(", ")} (use --keep to allow one)\n`);
  }
  process.exitCode = await run(command, env);
  await endTask(grant.url, grant.token);
}

function run(command: string[], env: Record<string, string>): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0]!, command.slice(1), { env, stdio: "inherit" });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    for (const signal of FORWARDED_SIGNALS) process.on(signal, forward);
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      for (const name of FORWARDED_SIGNALS) process.off(name, forward);
      // A command killed by a signal exits like a shell reports it: 128 + the signal number.
      resolve(code ?? 128 + (signal ? (constants.signals[signal] ?? 0) : 0));
    });
  });
}

/** Revokes the task with its own token; a failure is reported, since the token then lives until it expires. */
async function endTask(url: string, token: string): Promise<void> {
  try {
    await callApi({ url, key: token }, "POST", "/v1/tasks/end", {});
  } catch (error) {
    // Revoked already (a limit, security) or refused for good: nothing is left to end.
    if (error instanceof LeashError && error.code === "token_not_active") return;
    process.stderr.write(
      `leash exec: could not end the task (${(error as Error).message}); it expires on its own\n`,
    );
    process.exitCode ||= 1;
  }
}
