// Baseline: node-oidc-provider's token endpoint, client_credentials, issuing EdDSA-signed JWT access tokens
// (resource indicators make access tokens JWTs, RFC 9068 `at+jwt`), with its in-memory adapter; and its RFC 7662
// introspection endpoint, which the same client calls for a token it was issued. oidc-provider keeps no record of a
// JWT access token (a resource server verifies it itself), so the token introspected is an opaque one, issued for a
// second resource. The nearest peer that mints and introspects tokens.
import { randomBytes } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import Provider from "oidc-provider";
import {
  BENCH_CLIENT_ID,
  BENCH_CLIENT_SECRET,
  BENCH_OIDC_SCOPE,
  BENCH_OPAQUE_RESOURCE,
  BENCH_RESOURCE,
} from "./oidc-client.ts";

const port = Number(process.env.PORT ?? 0);
const { privateKey } = await generateKeyPair("EdDSA", { crv: "Ed25519", extractable: true });
const jwk = { ...(await exportJWK(privateKey)), alg: "EdDSA", use: "sig", kid: "bench-eddsa" };

const provider = new Provider(`http://127.0.0.1:${port}`, {
  clients: [
    {
      client_id: BENCH_CLIENT_ID,
      client_secret: BENCH_CLIENT_SECRET,
      grant_types: ["client_credentials"],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: "client_secret_basic",
      // The only key is Ed25519; the client's default (RS256) would have no key.
      id_token_signed_response_alg: "EdDSA",
    },
  ],
  jwks: { keys: [jwk] },
  cookies: { keys: [randomBytes(32).toString("base64url")] },
  scopes: [BENCH_OIDC_SCOPE],
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    // The client may introspect the tokens it was issued (the default policy, stated to silence its warning).
    introspection: { enabled: true, allowedPolicy: async () => true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => BENCH_RESOURCE,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx: unknown, resource: string) =>
        resource === BENCH_OPAQUE_RESOURCE
          ? { scope: BENCH_OIDC_SCOPE, audience: resource, accessTokenTTL: 3600, accessTokenFormat: "opaque" }
          : {
              scope: BENCH_OIDC_SCOPE,
              audience: BENCH_RESOURCE,
              accessTokenTTL: 900,
              accessTokenFormat: "jwt",
              jwt: { sign: { alg: "EdDSA" } },
            },
    },
  },
});
const server = provider.listen(port, "127.0.0.1", () => process.stdout.write(`listening ${port}\n`));
const stop = () => server.close(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
