import { createHmac, generateKeyPairSync } from "node:crypto";
import { base64url, exportJWK, generateKeyPair, type JSONWebKeySet, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { ephemeralKeyRings } from "../../src/keys/key-directory.ts";
import { EnvironmentKeyRing, type KeyRings } from "../../src/keys/key-ring.ts";
import { generateSigningKey } from "../../src/keys/signing-key.ts";
import { mintTaskToken, type TaskTokenGrant } from "../../src/tokens/mint-task-token.ts";
import {
  TokenVerificationError,
  verifyTaskToken,
  verifyTaskTokenSync,
} from "../../src/tokens/verify-task-token.ts";

const ISSUER = "https://leash.example";
const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
let rings: KeyRings;

const grant = (env: string, overrides: Partial<TaskTokenGrant> = {}): TaskTokenGrant => ({
  issuer: ISSUER,
  env,
  agentId: "agent-1",
  scopeId: `${env}-fix`,
  actions: ["volume:read"],
  resources: [`railway:prj/env/${env}/**`],
  extraAudiences: [],
  task: "t-1",
  intent: "fix",
  generation: "gen_1",
  ttlMs: 600_000,
  nowMs: NOW,
  ...overrides,
});

const jwks = (env: string): JSONWebKeySet => rings.get(env)!.jwks(NOW);
const verifyAs = (token: string, env: string, now = new Date(NOW + 1000)) =>
  verifyTaskToken(token, { environment: env, jwks: jwks(env), issuer: ISSUER, now });

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof TokenVerificationError) return error.code;
    throw error;
  }
  throw new Error("token was accepted");
}

const encode = (value: unknown) => base64url.encode(JSON.stringify(value));

beforeAll(async () => {
  rings = await ephemeralKeyRings(["staging", "production"], NOW);
});

describe("verifyTaskToken", () => {
  it("accepts a token in its own environment", async () => {
    const { token } = await mintTaskToken(rings.get("staging")!, grant("staging"));
    const claims = await verifyAs(token, "staging");
    expect(claims).toMatchObject({ env: "staging", task: "t-1", aud: ["urn:leash:env:staging"] });
  });

  it("a staging token does not verify as production, nor production as staging", async () => {
    const stagingToken = (await mintTaskToken(rings.get("staging")!, grant("staging"))).token;
    const productionToken = (await mintTaskToken(rings.get("production")!, grant("production"))).token;
    expect(await refusal(verifyAs(stagingToken, "production"))).toBe("wrong_environment");
    expect(await refusal(verifyAs(productionToken, "staging"))).toBe("wrong_environment");
  });

  it("a token claiming production but signed with the staging key fails the signature", async () => {
    // Same claims a production token would have, but the staging ring's key signs it (kid rewritten to production's).
    const forged = await new SignJWT({
      ...(await mintTaskToken(rings.get("production")!, grant("production"))).claims,
    })
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: rings.get("production")!.active.kid })
      .sign(rings.get("staging")!.active.privateKey);
    expect(await refusal(verifyAs(forged, "production"))).toBe("token_signature_invalid");
  });

  it("refuses expired and not-yet-valid tokens", async () => {
    const { token } = await mintTaskToken(rings.get("staging")!, grant("staging", { ttlMs: 60_000 }));
    expect(await refusal(verifyAs(token, "staging", new Date(NOW + 61_000)))).toBe("token_expired");
    expect(await refusal(verifyAs(token, "staging", new Date(NOW - 5_000)))).toBe("token_not_yet_valid");
  });

  it("refuses alg none, HMAC with the public key, embedded jwk and jku, wrong typ, unknown kid", async () => {
    const { claims } = await mintTaskToken(rings.get("staging")!, grant("staging"));
    const kid = rings.get("staging")!.active.kid;
    for (const alg of ["none", "None", "NONE", "nOnE"]) {
      const unsigned = `${encode({ alg, typ: "at+jwt", kid })}.${encode(claims)}.`;
      expect(await refusal(verifyAs(unsigned, "staging"))).toBe("token_algorithm_not_allowed");
    }
    const publicJwk = JSON.stringify(rings.get("staging")!.active.publicJwk);
    const signingInput = `${encode({ alg: "HS256", typ: "at+jwt", kid })}.${encode(claims)}`;
    const hmac = createHmac("sha256", publicJwk).update(signingInput).digest("base64url");
    expect(await refusal(verifyAs(`${signingInput}.${hmac}`, "staging"))).toBe("token_algorithm_not_allowed");

    const attacker = await generateKeyPair("EdDSA", { extractable: true });
    const attackerJwk = await exportJWK(attacker.publicKey);
    const embedded = await new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid, jwk: attackerJwk })
      .sign(attacker.privateKey);
    expect(await refusal(verifyAs(embedded, "staging"))).toBe("token_header_forbidden");
    const jku = await new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid, jku: "https://evil.example/jwks.json" })
      .sign(attacker.privateKey);
    expect(await refusal(verifyAs(jku, "staging"))).toBe("token_header_forbidden");

    const wrongTyp = await new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", typ: "JWT", kid })
      .sign(rings.get("staging")!.active.privateKey);
    expect(await refusal(verifyAs(wrongTyp, "staging"))).toBe("token_wrong_type");

    const unknownKid = await new SignJWT(claims)
      .setProtectedHeader({ alg: "EdDSA", typ: "at+jwt", kid: "nope" })
      .sign(attacker.privateKey);
    expect(await refusal(verifyAs(unknownKid, "staging"))).toBe("token_unknown_kid");

    // jose will not sign an unknown crit, so sign the raw input with the real key.
    const critInput = `${encode({ alg: "EdDSA", typ: "at+jwt", kid, crit: ["x-leash"], "x-leash": 1 })}.${encode(claims)}`;
    const critSignature = await crypto.subtle.sign(
      "Ed25519",
      rings.get("staging")!.active.privateKey,
      new TextEncoder().encode(critInput),
    );
    const crit = `${critInput}.${base64url.encode(new Uint8Array(critSignature))}`;
    expect(await refusal(verifyAs(crit, "staging"))).toBe("token_malformed");
  });

  it("refuses an RSA-signed token even with a matching kid (algorithm pinned)", async () => {
    const { claims } = await mintTaskToken(rings.get("staging")!, grant("staging"));
    const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
    const rsa = await new SignJWT(claims)
      .setProtectedHeader({ alg: "RS256", typ: "at+jwt", kid: rings.get("staging")!.active.kid })
      .sign(privateKey);
    expect(await refusal(verifyAs(rsa, "staging"))).toBe("token_algorithm_not_allowed");
  });

  it("refuses a tampered payload, truncated and oversized tokens", async () => {
    const { token } = await mintTaskToken(rings.get("staging")!, grant("staging"));
    const [header, payload, signature] = token.split(".");
    const changed = {
      ...JSON.parse(new TextDecoder().decode(base64url.decode(payload!))),
      scope: "volume:read volume:delete",
    };
    expect(await refusal(verifyAs(`${header}.${encode(changed)}.${signature}`, "staging"))).toBe(
      "token_signature_invalid",
    );
    expect(await refusal(verifyAs(token.slice(0, -10), "staging"))).toBe("token_signature_invalid");
    expect(await refusal(verifyAs(`${header}.${payload}`, "staging"))).toBe("token_malformed");
    expect(await refusal(verifyAs(`${token}${"A".repeat(9000)}`, "staging"))).toBe("token_malformed");
    expect(await refusal(verifyAs("", "staging"))).toBe("token_malformed");
  });

  it("the broker's key ring verifies exactly what its JWKS would: published keys, by kid and algorithm", async () => {
    const ring = rings.get("staging")!;
    const { token, claims } = mintTaskToken(ring, grant("staging"));
    const byRing = (at: number) => (kid: string) => ring.verificationKeys(kid, at);
    const viaRing = verifyTaskTokenSync(token, {
      environment: "staging",
      jwks: byRing(NOW),
      issuer: ISSUER,
      now: new Date(NOW + 1000),
    });
    expect(viaRing).toEqual(claims);
    expect(ring.verificationKeys("staging-unknown", NOW)).toEqual([]);
    // A retired key leaves the ring's verification keys when it leaves the JWKS.
    const active = ring.active;
    const retired = new EnvironmentKeyRing(
      "staging",
      [{ ...active, retiredAt: NOW }, await generateSigningKey("staging", "EdDSA", NOW + 1)],
      60_000,
    );
    expect(retired.verificationKeys(active.kid, NOW + 59_000)).toHaveLength(1);
    expect(retired.jwks(NOW + 61_000).keys.map((k) => k.kid)).not.toContain(active.kid);
    expect(retired.verificationKeys(active.kid, NOW + 61_000)).toEqual([]);
  });

  it("a JWKS key marked for encryption, or without verify among its key_ops, verifies nothing", async () => {
    const ring = rings.get("staging")!;
    const { token } = mintTaskToken(ring, grant("staging"));
    const [jwk] = ring.jwks(NOW).keys;
    for (const key of [
      { ...jwk, use: "enc" },
      { ...jwk, key_ops: ["encrypt"] },
      { ...jwk, alg: "ES256" },
    ]) {
      const result = verifyTaskToken(token, {
        environment: "staging",
        jwks: { keys: [key] },
        issuer: ISSUER,
        now: new Date(NOW + 1000),
      });
      expect(await refusal(result)).toBe("token_unknown_kid");
    }
  });
});
