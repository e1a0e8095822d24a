// Micro-benchmark of mint's steps without HTTP: signing (jose SignJWT against node:crypto's synchronous sign),
// token/task ids, the whole mintTaskToken, the request body's zod parse, decideGrant, and the store reads before
// signing on a private redis-server (three sequential round trips against one).
// `npx tsx bench/mint-micro.ts` prints µs per operation; compare lines within one run.
import { randomBytes } from "node:crypto";
import { SignJWT } from "jose";
import { ManualClock } from "../src/clock/clock.ts";
import { decideGrant } from "../src/issuance/issue-task-token.ts";
import { mintRequestSchema } from "../src/issuance/mint-request.ts";
import { EnvironmentKeyRing } from "../src/keys/key-ring.ts";
import { generateSigningKey } from "../src/keys/signing-key.ts";
import { loadScopeSet } from "../src/scopes/load.ts";
import { RedisStore } from "../src/store/redis/redis-store.ts";
import { mintTaskToken, newTokenId } from "../src/tokens/mint-task-token.ts";
import { signCompactJws } from "../src/tokens/sign-jws.ts";
import { startRedisServer } from "../test/helpers/redis-server.ts";

/** Wall time per operation, run one after the other, and this process's CPU time per operation. */
const measure = async (label: string, operation: () => unknown | Promise<unknown>, iterations = 20_000) => {
  for (let i = 0; i < iterations / 10; i++) await operation();
  const cpu = process.cpuUsage();
  const started = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) await operation();
  const us = Number(process.hrtime.bigint() - started) / 1000 / iterations;
  const used = process.cpuUsage(cpu);
  const cpuUs = (used.user + used.system) / iterations;
  process.stdout.write(`${label.padEnd(52)} ${us.toFixed(2).padStart(8)} µs  (CPU ${cpuUs.toFixed(2)} µs)\n`);
};

const nowMs = Date.now();
const claims = {
  iss: "http://127.0.0.1:8080/envs/staging",
  aud: ["urn:leash:env:staging"],
  sub: "agent:bench-agent",
  client_id: "bench-agent",
  jti: newTokenId(),
  iat: Math.floor(nowMs / 1000),
  nbf: Math.floor(nowMs / 1000),
  exp: Math.floor(nowMs / 1000) + 600,
  env: "staging",
  scope: "volume:read volume:delete deploy:create db:migrate",
  resources: ["railway:prj_123/env/staging/**"],
  task: "task_abcdefghijklmnop",
  intent: "fix the staging deploy",
  scope_id: "bench-staging-fix",
  gen: "gen_abcdefghijklmnop",
};

for (const alg of ["EdDSA", "ES256"] as const) {
  const key = await generateSigningKey("staging", alg, nowMs);
  const header = { alg, kid: key.kid, typ: "at+jwt" };
  await measure(`${alg} jose SignJWT (WebCrypto)`, () =>
    new SignJWT(claims).setProtectedHeader(header).sign(key.privateKey),
  );
  await measure(`${alg} signCompactJws (node:crypto sign)`, () =>
    signCompactJws(header, claims, key.privateKeyObject),
  );
}

await measure("randomBytes(16).toString(base64url)", () => randomBytes(16).toString("base64url"));
await measure("newTokenId()", () => newTokenId());

const ring = new EnvironmentKeyRing("staging", [await generateSigningKey("staging", "EdDSA", nowMs)], 0);
const grant = {
  issuer: "http://127.0.0.1:8080",
  env: "staging",
  agentId: "bench-agent",
  scopeId: "staging-fix",
  actions: claims.scope.split(" "),
  resources: claims.resources,
  extraAudiences: [],
  task: claims.task,
  intent: claims.intent,
  generation: claims.gen,
  ttlMs: 600_000,
  nowMs,
};
await measure("mintTaskToken (EdDSA)", () => mintTaskToken(ring, grant));

const body = { scope: "staging-fix", task: { intent: "fix the staging deploy" } };
await measure("mintRequestSchema.parse", () => mintRequestSchema.parse(body));

const loaded = await loadScopeSet(new URL("../scopes", import.meta.url).pathname);
if (!loaded.ok) throw new Error("the example scopes do not load");
const scopes = loaded.set;
const context = {
  scopes: { current: () => scopes },
  clock: new ManualClock(nowMs),
} as unknown as Parameters<typeof decideGrant>[0];
const agent = {
  id: "bench-agent",
  kind: "agent" as const,
  keyHash: "a".repeat(64),
  disabled: false,
  createdAt: 1,
  scopes: ["staging-*"],
  roles: [],
};
const request = mintRequestSchema.parse(body);
await measure("decideGrant (staging-fix)", () => decideGrant(context, agent, request));

const redis = await startRedisServer();
const store = await RedisStore.connect(redis.url);
try {
  await store.ensureGeneration("gen_bench", ["staging"]);
  await store.savePrincipal(agent);
  const keyHash = agent.keyHash;
  await measure(
    "store reads before signing: EVALSHA‖EXISTS‖GET (one round trip)",
    () =>
      Promise.all([
        store.findPrincipalByKeyHash(keyHash),
        store.isTaskRevoked("staging", "task_1"),
        store.getGeneration(),
      ]),
    5_000,
  );
} finally {
  await store.close();
  await redis.stop();
}
