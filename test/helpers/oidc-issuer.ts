// A local OIDC issuer for workload-identity tests: publishes a JWKS over real HTTP and signs tokens shaped like
// GitHub Actions' or Kubernetes' with real keys; it can rotate its key.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import { base64url, type CryptoKey, exportJWK, generateKeyPair, type JWK, SignJWT } from "jose";

interface IssuerKey {
  kid: string;
  privateKey: CryptoKey;
  publicJwk: JWK;
}

export interface OidcIssuer {
  jwksUri: string;
  /** The current key's public JWK (what the JWKS publishes). */
  publicJwks(): { keys: JWK[] };
  /** Signs `claims` (iat, exp and jti added unless given) with the current key. */
  sign(claims: Record<string, unknown>, header?: Record<string, unknown>): Promise<string>;
  /** Signs exactly this header and payload with the current key (headers jose would refuse to write). */
  signRaw(header: Record<string, unknown>, payload: Record<string, unknown>): Promise<string>;
  /** Publishes a new key in place of the old one (the old one is no longer in the JWKS). */
  rotate(): Promise<void>;
  /** How many times the JWKS was fetched. */
  fetches(): number;
  close(): Promise<void>;
}

async function newKey(): Promise<IssuerKey> {
  const { privateKey, publicKey } = await generateKeyPair("RS256", { extractable: true });
  const kid = `k-${randomUUID().slice(0, 8)}`;
  return { kid, privateKey, publicJwk: { ...(await exportJWK(publicKey)), kid, alg: "RS256", use: "sig" } };
}

export async function startOidcIssuer(): Promise<OidcIssuer> {
  let key = await newKey();
  let fetches = 0;
  const server: Server = createServer((request, response) => {
    if (request.url === "/jwks") {
      fetches++;
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify({ keys: [key.publicJwk] }));
      return;
    }
    response.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    jwksUri: `http://127.0.0.1:${port}/jwks`,
    publicJwks: () => ({ keys: [key.publicJwk] }),
    async sign(claims, header = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ jti: randomUUID(), iat: now, nbf: now - 5, exp: now + 300, ...claims })
        .setProtectedHeader({ alg: "RS256", kid: key.kid, typ: "JWT", ...header })
        .sign(key.privateKey);
    },
    async signRaw(header, payload) {
      const input = `${base64url.encode(JSON.stringify(header))}.${base64url.encode(JSON.stringify(payload))}`;
      const signature = await crypto.subtle.sign(
        "RSASSA-PKCS1-v1_5",
        key.privateKey,
        new TextEncoder().encode(input),
      );
      return `${input}.${base64url.encode(new Uint8Array(signature))}`;
    },
    async rotate() {
      key = await newKey();
    },
    fetches: () => fetches,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
