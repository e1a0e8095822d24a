// The one client the oidc-provider baseline knows, shared by the baseline server and the bench that calls it.
export const BENCH_CLIENT_ID = "bench-client";
export const BENCH_CLIENT_SECRET = "bench-secret-0123456789abcdef0123456789abcdef";
export const BENCH_RESOURCE = "urn:leash:bench:api";
export const BENCH_OIDC_SCOPE = "volume:read";

/** The token request a client_credentials client sends: Basic auth, form body. */
export const tokenRequest = () => ({
  headers: {
    authorization: `Basic ${Buffer.from(`${BENCH_CLIENT_ID}:${BENCH_CLIENT_SECRET}`).toString("base64")}`,
    "content-type": "application/x-www-form-urlencoded",
  },
  body: new URLSearchParams({
    grant_type: "client_credentials",
    scope: BENCH_OIDC_SCOPE,
    resource: BENCH_RESOURCE,
  }).toString(),
});
