// `leash dev`: an in-memory broker with ephemeral keys, the shipped scopes and ready-made identities. Nothing else needed.
import { fileURLToPath } from "node:url";
import { authenticator } from "otplib";
import type { DestinationStream } from "pino";
import { type Clock, systemClock } from "../clock/clock.ts";
import { ephemeralKeyRings } from "../keys/key-directory.ts";
import { TotpSecretKeys } from "../keys/totp-secret-keys.ts";
import { createLogger } from "../log/logger.ts";
import { createPrincipal } from "../principals/principals.ts";
import { MemoryStore } from "../store/memory/memory-store.ts";
import { assembleBroker, type Broker, newGeneration } from "./broker.ts";
import { ScopeRegistry } from "./scope-registry.ts";

export const SHIPPED_SCOPES_DIR = fileURLToPath(new URL("../../scopes", import.meta.url));

export interface DevIdentities {
  agent_key: string;
  admin_key: string;
  security_key: string;
  approver_key: string;
  approver_totp_secret: string;
}

export interface DevBroker {
  broker: Broker;
  url: string;
  identities: DevIdentities;
}

export interface DevOptions {
  port: number;
  host?: string;
  scopesDir?: string;
  logLevel?: string;
  /** Where log lines go (default: stderr, as JSON lines). */
  logDestination?: DestinationStream;
  clock?: Clock;
}

export async function startDevBroker(options: DevOptions): Promise<DevBroker> {
  const clock = options.clock ?? systemClock;
  const host = options.host ?? "127.0.0.1";
  const scopes = await ScopeRegistry.open(options.scopesDir ?? SHIPPED_SCOPES_DIR);
  const environments = [...scopes.current().environments.keys()];
  const store = new MemoryStore(clock);
  await store.ensureGeneration(newGeneration(), environments);

  const now = clock.now();
  const admin = await createPrincipal(store, { id: "dev-admin", kind: "human", roles: ["admin"] }, now);
  const security = await createPrincipal(
    store,
    { id: "dev-security", kind: "human", roles: ["security"], createdBy: "dev-admin" },
    now,
  );
  // Dev mode enrols its demo approver itself (a real human redeems an enrolment token) and makes it outside
  // dev-admin's chain: the agent's owner, and anyone it made, could never approve the agent's calls.
  const totpSecret = authenticator.generateSecret();
  const approver = await createPrincipal(
    store,
    { id: "dev-approver", kind: "human", roles: ["approver:sre"] },
    now,
  );
  const totpKeys = TotpSecretKeys.ephemeral();
  await store.savePrincipal({
    ...approver.principal,
    totp: { sealed: totpKeys.seal(approver.principal.id, totpSecret), confirmed: true },
  });
  const agent = await createPrincipal(
    store,
    { id: "dev-agent", kind: "agent", scopes: ["*"], createdBy: "dev-admin" },
    now,
  );

  const logger = createLogger(options.logLevel ?? "warn", options.logDestination);
  // With --port 0 the issuer's port is known only after listening; it is set before the URL is handed to anyone.
  const keys = await ephemeralKeyRings(environments, now);
  // No Vault in dev mode: scopes with credentials.vault (staging-fix) mint without them, with a warning.
  const context = {
    store,
    clock,
    scopes,
    keys,
    totpKeys,
    issuer: `http://${host}:${options.port}`,
    logger,
    credentialsWithoutVault: "omit" as const,
  };
  const broker = await assembleBroker(context);
  const address = await broker.app.listen({ port: options.port, host });
  broker.context.issuer = address;

  return {
    broker,
    url: address,
    identities: {
      agent_key: agent.apiKey,
      admin_key: admin.apiKey,
      security_key: security.apiKey,
      approver_key: approver.apiKey,
      approver_totp_secret: totpSecret,
    },
  };
}
