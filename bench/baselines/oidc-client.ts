// The one client the oidc-provider baseline knows, shared by the baseline server and the bench that calls it.
export const BENCH_CLIENT_ID = "bench-client";
export const BENCH_CLIENT_SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
export const BENCH_RESOURCE = "urn:leash:bench:api";
/** A resource whose access tokens are opaque (kept by the provider), for the introspection baseline. */
export const BENCH_OPAQUE_RESOURCE = "urn:leash:bench:introspected";
export const BENCH_OIDC_SCOPE = "volume:read";

const basic = () => `Basic ${Buffer.from(`${BENCH_CLIENT_ID}:${BENCH_CLIENT_SECRET}`).toString("base64")}`;

/** The token request a client_credentials client sends: Basic auth, form body. */
export const tokenRequest = (resource = BENCH_RESOURCE) => ({
  headers: {
    authorization: basic(),
    "content-type": "application/x-www-form-urlencoded",
  },
  body: new URLSearchParams({
    grant_type: "client_credentials",
    scope: BENCH_OIDC_SCOPE,
    resource,
  }).toString(),
});

/** An RFC 7662 introspection request for `token` by the same client: Basic auth, form body. */
export const introspectionRequest = (token: string) => ({
  headers: { authorization: basic(), "content-type": "application/x-www-form-urlencoded" },
  body: new URLSearchParams({ token, token_type_hint: "access_token" }).toString(),
});
