// An in-process broker on a real port for tests: memory or Redis store, the shipped (or given) scopes, real keys.
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import pino from "pino";
import { WebhookApprovalEvents } from "../../src/approvals/webhook.ts";
import { assembleBroker, type Broker, newGeneration } from "../../src/broker/broker.ts";
import { SHIPPED_SCOPES_DIR } from "../../src/broker/dev.ts";
import { ScopeRegistry } from "../../src/broker/scope-registry.ts";
import { type Clock, systemClock } from "../../src/clock/clock.ts";
import type { LeaseRevokerOptions } from "../../src/credentials/lease-revoker.ts";
import type { IssuerKeysOptions } from "../../src/keys/issuer-keys.ts";
import { ephemeralKeyRings } from "../../src/keys/key-directory.ts";
import { TotpSecretKeys } from "../../src/keys/totp-secret-keys.ts";
import { createPrincipal } from "../../src/principals/principals.ts";
import { generateTotpSecret } from "../../src/principals/totp.ts";
import { MemoryStore } from "../../src/store/memory/memory-store.ts";
import { RedisStore } from "../../src/store/redis/redis-store.ts";
import type { Store } from "../../src/store/store.ts";
import { type VaultClientOptions, VaultCredentialsClient } from "../../src/vault/vault-client.ts";

export interface TestBroker {
  broker: Broker;
  url: string;
  store: Store;
  keys: {
    agent: string;
    admin: string;
    /** Another admin, outside `admin`'s chain: it made the approvers, so they are independent of agent-1's owner. */
    peopleAdmin: string;
    security: string;
    approver: string;
    approver2: string;
    dbaApprover: string;
    resourceServer: string;
  };
  /** TOTP secrets of the approvers (enrolment already confirmed), by key name. */
  totpSecrets: Record<"approver" | "approver2" | "dbaApprover", string>;
  close(): Promise<void>;
}

export interface TestBrokerOptions {
  redisUrl?: string;
  scopesDir?: string;
  clock?: Clock;
  /** Sign and post approval events to the environments' webhooks, retrying after these delays. */
  webhook?: { secret: string; retryDelaysMs: number[] };
  /** A Vault (the stand-in) for scopes with credentials.vault; without one they mint without credentials. */
  vault?: {
    addr: string;
    token?: string;
    timeoutMs?: number;
    /** A login method instead of `token`, and token upkeep settings. */
    auth?: VaultClientOptions["auth"];
    tokenOptions?: VaultClientOptions["tokenOptions"];
    tls?: VaultClientOptions["tls"];
    namespace?: string;
  };
  /** Without `vault`: refuse such scopes (as `leash serve` does) instead of minting without credentials. */
  credentialsWithoutVault?: "refuse" | "omit";
  leaseRevoker?: LeaseRevokerOptions;
  /** How trusted OIDC issuers' keys are fetched (workload identity), e.g. no cooldown to see a rotation at once. */
  workloadKeys?: IssuerKeysOptions;
  /** How long refusals of unidentified callers are tallied before their record is written (default 10 s). */
  refusalAuditWindowMs?: number;
  /** Where the broker logs (default: silent), e.g. a pino logger writing to a captured stream. */
  logger?: pino.Logger;
}

export async function startTestBroker(options: TestBrokerOptions = {}): Promise<TestBroker> {
  const clock = options.clock ?? systemClock;
  const scopes = await ScopeRegistry.open(options.scopesDir ?? SHIPPED_SCOPES_DIR);
  const environments = [...scopes.current().environments.keys()];
  const store: Store = options.redisUrl ? await RedisStore.connect(options.redisUrl) : new MemoryStore(clock);
  await store.ensureGeneration(newGeneration(), environments);
  const now = clock.now();
  const make = async (id: string, kind: "agent" | "human", roles: string[] = []) =>
    (
      await createPrincipal(
        store,
        { id, kind, roles, scopes: kind === "agent" ? ["*"] : [], createdBy: "admin" },
        now,
      )
    ).apiKey;
  const totpKeys = TotpSecretKeys.ephemeral();
  const totpSecrets = {
    approver: generateTotpSecret(),
    approver2: generateTotpSecret(),
    dbaApprover: generateTotpSecret(),
  };
  // Approvers are made by another admin than the agents' owner: nobody in the owner's chain may approve.
  const makeApprover = async (id: string, group: string, secret: string) => {
    const { principal, apiKey } = await createPrincipal(
      store,
      { id, kind: "human", roles: [`approver:${group}`], createdBy: "people-admin" },
      now,
    );
    await store.savePrincipal({ ...principal, totp: { sealed: totpKeys.seal(id, secret), confirmed: true } });
    return apiKey;
  };
  const keys = {
    admin: await make("admin", "human", ["admin"]),
    peopleAdmin: (await createPrincipal(store, { id: "people-admin", kind: "human", roles: ["admin"] }, now))
      .apiKey,
    agent: await make("agent-1", "agent"),
    security: await make("sec-1", "human", ["security"]),
    approver: await makeApprover("approver-1", "sre", totpSecrets.approver),
    approver2: await makeApprover("approver-2", "sre", totpSecrets.approver2),
    dbaApprover: await makeApprover("dba-1", "dba", totpSecrets.dbaApprover),
    resourceServer: await make("rs-1", "human", ["resource-server"]),
  };
  const logger = options.logger ?? pino({ level: "silent" });
  const broker = await assembleBroker({
    store,
    clock,
    scopes,
    keys: await ephemeralKeyRings(environments, now),
    totpKeys,
    issuer: "http://leash.test",
    approvalEvents: options.webhook
      ? new WebhookApprovalEvents(
          scopes,
          options.webhook.secret,
          clock,
          logger,
          options.webhook.retryDelaysMs,
        )
      : undefined,
    logger,
    vault: options.vault
      ? new VaultCredentialsClient({
          endpoint: options.vault.addr,
          token: options.vault.token,
          auth: options.vault.auth,
          timeoutMs: options.vault.timeoutMs,
          tokenOptions: options.vault.tokenOptions,
          tls: options.vault.tls,
          namespace: options.vault.namespace,
          clock,
          logger,
        })
      : undefined,
    credentialsWithoutVault: options.credentialsWithoutVault ?? "omit",
    leaseRevokerOptions: options.leaseRevoker,
    workloadKeys: options.workloadKeys,
    refusalAuditWindowMs: options.refusalAuditWindowMs,
  });
  const url = await broker.app.listen({ port: 0, host: "127.0.0.1" });
  return { broker, url, store, keys, totpSecrets, close: () => broker.close() };
}

/** A production scope whose destructive calls wait for two approvers of group sre (a quorum of 2). */
export const PRODUCTION_DUAL_SCOPE = [
  "description: two SREs must agree before a production volume goes",
  "environment: production",
  'agents: ["*"]',
  "actions: [volume:read, volume:delete]",
  'resources: ["railway:prj_demo/env/production/**"]',
  "ttl: {default: 10m, max: 30m}",
  "approval: {destructive: {approvers: [sre], quorum: 2}}",
].join("\n");

/** A scope whose tokens are issued only after an approver of group sre says yes (issuance approval). */
export const PRODUCTION_SENSITIVE_SCOPE = [
  "description: reading production needs a human first",
  "environment: production",
  'agents: ["*"]',
  "actions: [volume:read]",
  'resources: ["railway:prj_demo/env/production/**"]',
  "ttl: {default: 10m, max: 30m}",
  "approval: {issue: {approvers: [sre], quorum: 1}}",
].join("\n");

/** A copy of the shipped scopes plus extra scope files, for tests that need a scope the examples do not have. */
export async function scopesDirWith(extraFiles: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "leash-scopes-"));
  await cp(SHIPPED_SCOPES_DIR, dir, { recursive: true });
  for (const [name, text] of Object.entries(extraFiles)) await writeFile(join(dir, name), text);
  return dir;
}

export interface ApiResponse<T = Record<string, unknown>> {
  status: number;
  headers: Headers;
  body: T;
}

/** One JSON request against a test broker. */
// biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely and assert on them
export async function api<T = Record<string, any>>(
  url: string,
  method: string,
  path: string,
  options: {
    key?: string;
    body?: unknown;
    rawBody?: string;
    contentType?: string;
    headers?: Record<string, string>;
  } = {},
): Promise<ApiResponse<T>> {
  const hasBody = options.body !== undefined || options.rawBody !== undefined;
  const response = await fetch(new URL(path, url), {
    method,
    headers: {
      ...(hasBody ? { "content-type": options.contentType ?? "application/json" } : {}),
      ...(options.key ? { authorization: `Bearer ${options.key}` } : {}),
      ...options.headers,
    },
    body: options.rawBody ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as T };
}

export async function mintToken(
  test: TestBroker,
  body: Record<string, unknown>,
  key = test.keys.agent,
): Promise<{ token: string; task: string; jti: string }> {
  const response = await api(test.url, "POST", "/v1/tokens", { key, body });
  if (response.status !== 201)
    throw new Error(`mint failed: ${response.status} ${JSON.stringify(response.body)}`);
  return { token: response.body.token, task: response.body.task.id, jti: response.body.granted.jti };
}
