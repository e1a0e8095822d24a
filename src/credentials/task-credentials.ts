// Vault credentials for a task token: read before the token is signed, recorded against it after, ended with it.
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { Scope } from "../scopes/schema.ts";
import type { TaskTokenClaims } from "../tokens/claims.ts";
import { planLeaseEnd } from "../vault/lease-plan.ts";
import type { DynamicCredentials } from "../vault/vault-client.ts";

/** What the agent receives next to its token. */
export interface TaskCredentials {
  username: string;
  password: string;
  lease_id: string;
  /** When the credentials stop working at the latest: never after the token. */
  expires_at: string;
}

/** Credentials read for a token about to be signed; not handed out until recorded against it. */
export interface LeasedCredentials {
  path: string;
  credentials: DynamicCredentials;
  /** When Vault ends the lease by itself (after any renewal). */
  vaultExpiresAt: number;
  /** When leash revokes the lease (the token's end) because Vault would keep it longer; null when Vault ends it in time. */
  revokeAt: number | null;
  expiresAt: number;
}

/** How long a renewal may take to reach Vault without the renewed lease outliving the token. */
const RENEWAL_LATENCY_MARGIN_MS = 1_000;

/** The outcome for a scope with `credentials.vault`: credentials, or (no Vault, dev mode) none and why. */
export type CredentialsDecision =
  | { kind: "leased"; leased: LeasedCredentials }
  | { kind: "omitted"; warning: string };

/**
 * Reads the scope's dynamic credentials for a token ending at `tokenExpiresAt`, and settles how the lease ends by
 * then: a lease that would end early is renewed up to the token's end (once, now); one that would outlive it is
 * revoked at the token's end (recorded with the lease). A Vault failure is a LeashError (`vault_unavailable`…):
 * the caller mints nothing.
 */
export async function readTaskCredentials(
  context: BrokerContext,
  scope: Scope,
  tokenExpiresAt: number,
): Promise<CredentialsDecision | null> {
  const spec = scope.credentials?.vault;
  if (!spec) return null;
  const vault = context.vault;
  if (!vault) {
    const message = `scope ${scope.id} asks for Vault credentials (${spec.path}) but this broker has no Vault (VAULT_ADDR)`;
    if ((context.credentialsWithoutVault ?? "refuse") === "refuse") {
      throw new LeashError("vault_not_configured", `${message}; leash refuses to mint without them`, {
        vault_path: spec.path,
      });
    }
    return { kind: "omitted", warning: `${message}: the token comes without credentials` };
  }

  const startedAt = context.clock.now();
  const mustEndBy = spec.ttl === undefined ? tokenExpiresAt : Math.min(tokenExpiresAt, startedAt + spec.ttl);
  // The lease lives until mustEndBy at most (renewed below, or revoked by leash): so must the token reading it.
  const credentials = await vault.readDynamicCredentials(spec.path, undefined, {
    leaseNeededUntil: mustEndBy,
  });
  let vaultExpiresAt = credentials.vaultExpiresAt;
  // Vault counts a renewal's increment from when it renews: plan as if that were a moment later, so the renewed
  // lease still ends by the token even if the renewal takes that long to arrive.
  let plan = planLeaseEnd(
    { expiresAt: vaultExpiresAt, renewable: credentials.renewable },
    mustEndBy,
    context.clock.now() + RENEWAL_LATENCY_MARGIN_MS,
  );
  if (plan.action === "renew") {
    try {
      const renewed = await vault.renewLease(credentials.leaseId, plan.incrementMs);
      vaultExpiresAt = renewed.expiresAt;
      plan = planLeaseEnd(
        { expiresAt: vaultExpiresAt, renewable: renewed.renewable },
        mustEndBy,
        context.clock.now() + RENEWAL_LATENCY_MARGIN_MS,
      );
    } catch (error) {
      // The lease still ends before the token, only sooner than it could: hand it out as it is.
      context.logger.warn(
        { lease_id: credentials.leaseId, err: (error as Error).message },
        "could not renew a Vault lease up to its token's expiry",
      );
      plan = { action: "expire", at: vaultExpiresAt };
    }
  }
  const revokeAt = plan.action === "revoke_at" ? plan.at : null;
  return {
    kind: "leased",
    leased: {
      path: spec.path,
      credentials,
      vaultExpiresAt,
      revokeAt,
      expiresAt: Math.min(vaultExpiresAt, revokeAt ?? Number.POSITIVE_INFINITY),
    },
  };
}

/**
 * Records the lease against the signed token (task, jti, agent, scope, environment) and schedules its revocation.
 * If a revocation of the token landed while Vault was being asked, the lease is queued for revocation and the
 * mint is refused: revoked tokens never receive credentials.
 */
export async function recordTaskLease(
  context: BrokerContext,
  leased: LeasedCredentials,
  claims: TaskTokenClaims,
): Promise<TaskCredentials> {
  const { revoked } = await context.store.leases.record(
    {
      leaseId: leased.credentials.leaseId,
      env: claims.env,
      task: claims.task,
      jti: claims.jti,
      agent: claims.client_id,
      scope: claims.scope_id,
      path: leased.path,
      issuedAtMs: claims.iat * 1000,
      vaultExpiresAt: leased.vaultExpiresAt,
      expiresAt: leased.expiresAt,
    },
    { revokeAt: leased.revokeAt, nowMs: context.clock.now() },
  );
  if (revoked) {
    throw new LeashError(
      "task_revoked",
      `task ${claims.task} was revoked while its token was minted; start a new task`,
    );
  }
  return {
    username: leased.credentials.username,
    password: leased.credentials.password,
    lease_id: leased.credentials.leaseId,
    expires_at: new Date(leased.expiresAt).toISOString(),
  };
}

/**
 * Credentials were read but will not be handed out (the mint failed after Vault answered): queue the lease for
 * revocation, or, if the store cannot take it, ask Vault directly. Never throws; never delays the caller's answer.
 */
export function abandonLease(context: BrokerContext, env: string, leaseId: string): void {
  const revokeDirectly = () =>
    context.vault?.revokeLease(leaseId).catch((error: unknown) => {
      context.logger.error(
        { lease_id: leaseId, err: (error as Error).message },
        "an unused Vault lease could not be revoked; Vault ends it at its ttl",
      );
    });
  context.store.leases.enqueueLease(env, leaseId, context.clock.now()).catch(() => void revokeDirectly());
}
