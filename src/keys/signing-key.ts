// One signing key: its id, algorithm, private half for minting and public JWK for the environment's JWKS.
import { KeyObject, randomBytes } from "node:crypto";
import { type CryptoKey, exportJWK, generateKeyPair, importJWK, type JWK } from "jose";
import { z } from "zod";
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from "../config/signing-algorithms.ts";

export interface SigningKey {
  kid: string;
  alg: SigningAlgorithm;
  env: string;
  createdAt: number;
  /** Set when a newer key took over; the public half stays published until every token it signed has expired. */
  retiredAt?: number;
  privateKey: CryptoKey;
  /** The same private key as a node:crypto KeyObject, made once at load: what mint signs with (src/tokens/sign-jws.ts). */
  privateKeyObject: KeyObject;
  publicJwk: JWK;
}

/** The JSON stored in one key file. */
export const storedKeySchema = z.object({
  kid: z.string().min(1),
  alg: z.enum(SIGNING_ALGORITHMS),
  env: z.string().min(1),
  created_at: z.number(),
  retired_at: z.number().optional(),
  private_jwk: z.record(z.string(), z.unknown()),
});
export type StoredKey = z.infer<typeof storedKeySchema>;

export async function generateSigningKey(
  env: string,
  alg: SigningAlgorithm,
  nowMs: number,
): Promise<SigningKey> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    crv: alg === "EdDSA" ? "Ed25519" : undefined,
  });
  const kid = `${env}-${new Date(nowMs).toISOString().slice(0, 10).replaceAll("-", "")}-${randomBytes(4).toString("hex")}`;
  return {
    kid,
    alg,
    env,
    createdAt: nowMs,
    privateKey,
    privateKeyObject: KeyObject.from(privateKey),
    publicJwk: await publicJwkOf(publicKey, kid, alg),
  };
}

export async function toStoredKey(key: SigningKey): Promise<StoredKey> {
  return {
    kid: key.kid,
    alg: key.alg,
    env: key.env,
    created_at: key.createdAt,
    ...(key.retiredAt === undefined ? {} : { retired_at: key.retiredAt }),
    private_jwk: (await exportJWK(key.privateKey)) as Record<string, unknown>,
  };
}

export async function fromStoredKey(stored: StoredKey): Promise<SigningKey> {
  const privateKey = (await importJWK(stored.private_jwk as JWK, stored.alg, {
    extractable: true,
  })) as CryptoKey;
  const { d: _private, ...publicPart } = stored.private_jwk as JWK;
  const publicKey = (await importJWK(publicPart, stored.alg)) as CryptoKey;
  return {
    kid: stored.kid,
    alg: stored.alg,
    env: stored.env,
    createdAt: stored.created_at,
    retiredAt: stored.retired_at,
    privateKey,
    privateKeyObject: KeyObject.from(privateKey),
    publicJwk: await publicJwkOf(publicKey, stored.kid, stored.alg),
  };
}

async function publicJwkOf(publicKey: CryptoKey, kid: string, alg: SigningAlgorithm): Promise<JWK> {
  const jwk = await exportJWK(publicKey);
  return { ...jwk, kid, alg, use: "sig" };
}
