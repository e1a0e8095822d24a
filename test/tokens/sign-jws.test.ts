import { base64url, decodeProtectedHeader, importJWK, jwtVerify, SignJWT } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import type { SigningAlgorithm } from "../../src/config/signing-algorithms.ts";
import { LeashError } from "../../src/errors/leash-error.ts";
import {
  fromStoredKey,
  generateSigningKey,
  type SigningKey,
  toStoredKey,
} from "../../src/keys/signing-key.ts";
import { signCompactJws } from "../../src/tokens/sign-jws.ts";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const claims = {
  iss: "https://leash.example/envs/staging",
  aud: ["urn:leash:env:staging", "https://api.example"],
  sub: "agent:agent-1",
  client_id: "agent-1",
  jti: "tok_abc",
  iat: NOW / 1000,
  nbf: NOW / 1000,
  exp: NOW / 1000 + 600,
  env: "staging",
  scope: "volume:read volume:delete",
  resources: ["railway:prj/env/staging/**"],
  task: "t-1",
  // Outside ASCII, so both sides must agree on UTF-8 before base64url.
  intent: "réparer l'environnement de staging ✓",
  scope_id: "staging-fix",
  gen: "gen_1",
};

const keys = {} as Record<SigningAlgorithm, SigningKey>;
beforeAll(async () => {
  keys.EdDSA = await generateSigningKey("staging", "EdDSA", NOW);
  keys.ES256 = await generateSigningKey("staging", "ES256", NOW);
});

const headerOf = (key: SigningKey) => ({ alg: key.alg, kid: key.kid, typ: "at+jwt" });
const publicKeyOf = (key: SigningKey) => importJWK(key.publicJwk, key.alg);

describe("signCompactJws", () => {
  for (const alg of ["EdDSA", "ES256"] as const) {
    it(`${alg}: jose's jwtVerify accepts the token, with the header and claims given`, async () => {
      const key = keys[alg];
      const token = signCompactJws(headerOf(key), claims, key.privateKeyObject);
      const { payload, protectedHeader } = await jwtVerify(token, await publicKeyOf(key), {
        algorithms: [alg],
        typ: "at+jwt",
        issuer: claims.iss,
        audience: "urn:leash:env:staging",
        currentDate: new Date(NOW + 1000),
      });
      expect(protectedHeader).toEqual(headerOf(key));
      expect(payload).toEqual(claims);
    });

    it(`${alg}: the same header and payload segments as jose's SignJWT, and a signature of the same size`, async () => {
      const key = keys[alg];
      const ours = signCompactJws(headerOf(key), claims, key.privateKeyObject).split(".");
      const jose = (await new SignJWT(claims).setProtectedHeader(headerOf(key)).sign(key.privateKey)).split(
        ".",
      );
      expect(ours).toHaveLength(3);
      expect(ours.slice(0, 2)).toEqual(jose.slice(0, 2));
      // Raw signatures (Ed25519 64 bytes, ES256 r‖s 64 bytes), never DER.
      expect(base64url.decode(ours[2]!)).toHaveLength(64);
      expect(base64url.decode(jose[2]!)).toHaveLength(64);
    });
  }

  it("EdDSA is deterministic: the token is byte for byte the one jose's SignJWT makes", async () => {
    const key = keys.EdDSA;
    const jose = await new SignJWT(claims).setProtectedHeader(headerOf(key)).sign(key.privateKey);
    expect(signCompactJws(headerOf(key), claims, key.privateKeyObject)).toBe(jose);
  });

  it("signs with a key loaded from its key file as with the key that was generated", async () => {
    for (const alg of ["EdDSA", "ES256"] as const) {
      const loaded = await fromStoredKey(await toStoredKey(keys[alg]));
      const token = signCompactJws(headerOf(loaded), claims, loaded.privateKeyObject);
      expect(decodeProtectedHeader(token)).toEqual(headerOf(keys[alg]));
      await expect(
        jwtVerify(token, await publicKeyOf(keys[alg]), { currentDate: new Date(NOW + 1000) }),
      ).resolves.toBeDefined();
    }
  });

  it("refuses a key that does not fit the header's algorithm", () => {
    const refusal = (alg: SigningAlgorithm, key: SigningKey) => {
      try {
        signCompactJws({ ...headerOf(key), alg }, claims, key.privateKeyObject);
      } catch (error) {
        return error instanceof LeashError ? error.code : error;
      }
      return "signed";
    };
    expect(refusal("ES256", keys.EdDSA)).toBe("signing_key_mismatch");
    expect(refusal("EdDSA", keys.ES256)).toBe("signing_key_mismatch");
  });
});
