// What /readyz says about Vault: reachable and unsealed or not, and how many lease revocations are waiting.
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { LeaseRevocationBacklog } from "../store/leases.ts";
import { vaultRevocationBacklog } from "./lease-revoker.ts";

export interface VaultReadiness {
  configured: boolean;
  /** `ok`, `sealed`, `unavailable` (unreachable or not answering), `error`; absent when no Vault is configured. */
  status?: "ok" | "sealed" | "unavailable" | "error";
  detail?: string;
  /** leash's own Vault token: whether it is valid, how it was obtained, when it expires (null: never). */
  token?: { valid: boolean; method: string; expires_at?: string | null };
  /** Absent when the store cannot be read (already reported as a store problem). */
  revocation_backlog?: LeaseRevocationBacklog;
  /** Why Vault makes the broker unready (configured, but unreachable, sealed or failing). */
  problem?: string;
  /** Things an operator should know that do not make the broker unready (a lease revocation backlog). */
  warnings: string[];
}

const STATUS_BY_CODE: Record<string, VaultReadiness["status"]> = {
  vault_unavailable: "unavailable",
  vault_sealed: "sealed",
};

export async function checkVaultReadiness(context: BrokerContext): Promise<VaultReadiness> {
  const readiness: VaultReadiness = { configured: context.vault !== undefined, warnings: [] };
  const [health, backlog, token] = await Promise.allSettled([
    context.vault?.health(),
    vaultRevocationBacklog(context),
    context.vault?.tokens.check(),
  ]);
  if (context.vault) {
    if (health.status === "fulfilled") {
      readiness.status = health.value?.sealed ? "sealed" : "ok";
    } else {
      const error = health.reason;
      const code = error instanceof LeashError ? error.code : "";
      readiness.status = STATUS_BY_CODE[code] ?? "error";
      readiness.detail = error instanceof LeashError ? error.message : "Vault health check failed";
    }
    if (readiness.status !== "ok") {
      readiness.problem = `Vault is ${readiness.status}: scopes with Vault credentials cannot be minted; lease revocations wait in the queue`;
    } else if (token.status === "fulfilled" && token.value) {
      const status = token.value;
      readiness.token = {
        valid: status.valid,
        method: status.method,
        ...(status.valid
          ? { expires_at: status.expiresAt === null ? null : new Date(status.expiresAt).toISOString() }
          : {}),
      };
      if (status.problem) {
        readiness.problem = `${status.problem}: scopes with Vault credentials cannot be minted reliably`;
      }
    }
  }
  if (backlog.status === "fulfilled") {
    readiness.revocation_backlog = backlog.value;
    if (backlog.value.queued > 0) {
      readiness.warnings.push(
        `${backlog.value.queued} Vault lease revocation(s) waiting (${backlog.value.attempted} attempted at least once)`,
      );
    }
  }
  return readiness;
}
