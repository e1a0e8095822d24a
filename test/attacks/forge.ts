// Building blocks for forged and confused tokens: raw segments, signatures by any key (ours or an attacker's), HMAC.
import { createHmac, type KeyObject, sign as nodeSign } from "node:crypto";
import { base64url, type CryptoKey, exportJWK, exportSPKI, generateKeyPair, type JWK } from "jose";

export const b64 = (bytes: Uint8Array | string) => base64url.encode(bytes);
export const b64json = (value: unknown) => base64url.encode(JSON.stringify(value));

/** Decodes one segment of a compact JWS as JSON, for cases built from a genuine token. */
export const segmentJson = (segment: string): Record<string, unknown> =>
  JSON.parse(new TextDecoder().decode(base64url.decode(segment)));

export const splitToken = (token: string): [string, string, string] => {
  const [header, payload, signature] = token.split(".");
  return [header!, payload!, signature!];
};

export interface Signer {
  alg: "EdDSA" | "ES256";
  privateKey: CryptoKey | KeyObject;
}

/** Signs `header.payload` exactly as given (raw JSON text allowed, so duplicate keys survive) with any key. */
export async function signSegments(headerSegment: string, payloadSegment: string, signer: Signer) {
  const input = new TextEncoder().encode(`${headerSegment}.${payloadSegment}`);
  let signature: Uint8Array;
  if ("type" in signer.privateKey && "algorithm" in signer.privateKey) {
    const algorithm = signer.alg === "EdDSA" ? "Ed25519" : { name: "ECDSA", hash: "SHA-256" };
    signature = new Uint8Array(await crypto.subtle.sign(algorithm, signer.privateKey as CryptoKey, input));
  } else {
    const key = signer.privateKey as KeyObject;
    signature =
      signer.alg === "EdDSA"
        ? nodeSign(null, input, key)
        : nodeSign("sha256", input, { key, dsaEncoding: "ieee-p1363" });
  }
  return `${headerSegment}.${payloadSegment}.${b64(signature)}`;
}

/** A JWS from a header object (or raw header JSON text) and claims (or raw payload JSON text). */
export function signJson(header: object | string, payload: object | string, signer: Signer) {
  const encode = (value: object | string) => (typeof value === "string" ? b64(value) : b64json(value));
  return signSegments(encode(header), encode(payload), signer);
}

/** An HMAC-signed token whose secret is something public (the environment's key in one of its encodings). */
export function hmacToken(
  alg: "HS256" | "HS384" | "HS512",
  secret: string | Uint8Array,
  header: object,
  payload: object,
): string {
  const input = `${b64json({ ...header, alg })}.${b64json(payload)}`;
  const hash = { HS256: "sha256", HS384: "sha384", HS512: "sha512" }[alg];
  return `${input}.${createHmac(hash, secret).update(input).digest("base64url")}`;
}

/** An attacker's own key pair of either algorithm, with its public JWK. */
export async function attackerKey(alg: "EdDSA" | "ES256"): Promise<Signer & { publicJwk: JWK; pem: string }> {
  const { privateKey, publicKey } = await generateKeyPair(alg, {
    extractable: true,
    crv: alg === "EdDSA" ? "Ed25519" : undefined,
  });
  return { alg, privateKey, publicJwk: await exportJWK(publicKey), pem: await exportSPKI(publicKey) };
}

/** Every way a verifier that trusted the header's alg could be fed the public key as an HMAC secret. */
export async function publicKeySecrets(publicJwk: JWK): Promise<Record<string, string | Uint8Array>> {
  const { importJWK } = await import("jose");
  const publicKey = (await importJWK(publicJwk, publicJwk.alg)) as CryptoKey;
  const pem = await exportSPKI(publicKey);
  return {
    "JWK JSON": JSON.stringify(publicJwk),
    "JWKS JSON": JSON.stringify({ keys: [publicJwk] }),
    "PEM SPKI": pem,
    "PEM SPKI without trailing newline": pem.trimEnd(),
    "raw public key bytes": base64url.decode(publicJwk.x!),
    "x coordinate text": publicJwk.x!,
  };
}
