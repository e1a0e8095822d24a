// `leash revoke --task T` (or --jti/--agent/--scope/--environment): security's stop button, over the API; and
// `leash locks`, the locks that agent, scope and environment revocations put in force.
import type { Command } from "commander";
import { terminalSafeJson } from "../../text/visible-text.ts";
import { apiClientFromEnv, callApi } from "../api-client.ts";
import { jsonOption, printResult, shown } from "../output.ts";

const TARGETS = ["jti", "task", "agent", "scope", "environment"] as const;

interface LockLine {
  id: string;
  target: { kind: string; value: string };
  reason: string;
  created_by: string;
  created_at: string;
  expires_at: string | null;
}

/** One lock per line; free text quoted as JSON so nothing in it can steer the terminal. */
const describeLock = (lock: LockLine) =>
  [
    lock.id,
    `${lock.target.kind}:${terminalSafeJson(lock.target.value)}`,
    `until ${lock.expires_at ?? "removed"}`,
    `by ${terminalSafeJson(lock.created_by)} at ${lock.created_at}:`,
    terminalSafeJson(lock.reason),
  ].join("  ");

interface Revocation {
  revoked: { kind: string; value: string };
  environments: string[];
  vault_leases_queued: number;
  lock?: LockLine;
}

function describeRevocation(r: Revocation): string {
  const leases = r.vault_leases_queued === 1 ? "1 Vault lease" : `${r.vault_leases_queued} Vault leases`;
  const line = `revoked ${shown(r.revoked.kind)} ${shown(r.revoked.value)} in ${shown(r.environments.join(", "))} (${leases} queued for revocation)`;
  return r.lock ? `${line}\nlocked: ${describeLock(r.lock)}` : line;
}

export function registerRevokeCommand(program: Command): void {
  const command = program
    .command("revoke")
    .description(
      "revoke a token or task; lock an agent, scope or environment (its tokens are refused and nothing is minted for it until the lock lapses or is removed) (LEASH_URL, LEASH_HUMAN_KEY: security or admin)",
    )
    .requiredOption("--reason <text>", "why; recorded with the revocation")
    .option("--ttl <duration>", "agent, scope or environment: the lock lapses after this long (e.g. 1h)");
  for (const target of TARGETS) command.option(`--${target} <value>`, `revoke by ${target}`);
  jsonOption(command).action(async (options: Record<string, string | undefined>) => {
    const named = TARGETS.filter((target) => options[target] !== undefined);
    if (named.length !== 1) throw new Error(`name exactly one of ${TARGETS.map((t) => `--${t}`).join(", ")}`);
    const target = named[0]!;
    const { body } = await callApi<Revocation>(
      apiClientFromEnv("LEASH_HUMAN_KEY"),
      "POST",
      "/v1/revocations",
      {
        [target]: options[target],
        reason: options.reason,
        ...(options.ttl === undefined ? {} : { ttl: options.ttl }),
      },
    );
    printResult({ json: options.json !== undefined }, body, describeRevocation);
  });

  const locks = program
    .command("locks")
    .description("list the locks in force (LEASH_URL, LEASH_HUMAN_KEY: security or admin)")
    .option("--json", "print JSON")
    .action(async (options: { json?: boolean }) => {
      const { body } = await callApi<{ locks: LockLine[] }>(
        apiClientFromEnv("LEASH_HUMAN_KEY"),
        "GET",
        "/v1/locks",
      );
      if (options.json) process.stdout.write(`${terminalSafeJson(body)}\n`);
      else if (body.locks.length === 0) process.stdout.write("no lock is in force\n");
      else process.stdout.write(`${body.locks.map(describeLock).join("\n")}\n`);
    });
  jsonOption(
    locks
      .command("remove <id>")
      .description("lift a lock: minting for its target works again; tokens it revoked stay revoked"),
  ).action(async (id: string, options: { json?: boolean }) => {
    const { body } = await callApi<{ removed: LockLine }>(
      apiClientFromEnv("LEASH_HUMAN_KEY"),
      "DELETE",
      `/v1/locks/${encodeURIComponent(id)}`,
    );
    printResult(options, body, (b) => `lifted ${describeLock(b.removed)}`);
  });
}
