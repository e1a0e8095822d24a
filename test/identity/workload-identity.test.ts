// Workload identity: a bootstrap proves where it runs with its platform's OIDC token (GitHub Actions, Kubernetes)
// and gets a task token with no agent key. Real keys, a real issuer over HTTP, a real broker.
import { randomUUID } from "node:crypto";
import { cp, mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decodeJwt, exportSPKI, generateKeyPair, importJWK } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SHIPPED_SCOPES_DIR } from "../../src/broker/dev.ts";
import { createPrincipal } from "../../src/principals/principals.ts";
import { b64json, hmacToken, signJson } from "../attacks/forge.ts";
import { api, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { runCli } from "../helpers/cli.ts";
import { type OidcIssuer, startOidcIssuer } from "../helpers/oidc-issuer.ts";

const GITHUB = "https://token.actions.githubusercontent.com";
const CLUSTER = "https://kubernetes.default.svc.cluster.local";
const AUDIENCE = "https://leash.test";

const identitiesYaml = (github: OidcIssuer) => `
issuers:
  - name: github
    issuer: ${GITHUB}
    jwks_uri: ${github.jwksUri}
    audiences: ["${AUDIENCE}"]
    bindings:
      - name: app-main-staging
        agent: ci-app
        scopes: ["*"]
        environment: staging
        claims:
          repository: acme/app
          ref: refs/heads/main
          environment: staging
      - name: app-release-production
        agent: ci-app
        scopes: [production-read]
        environment: production
        claims:
          repository: acme/app
          environment: production
          job_workflow_ref: "acme/app/.github/workflows/release.yml@refs/tags/v*"
  - name: cluster
    issuer: ${CLUSTER}
    jwks_file: cluster-jwks.json
    audiences: [leash]
    bindings:
      - name: ci-runner
        agent: k8s-runner
        scopes: [staging-fix]
        claims:
          sub: "system:serviceaccount:ci:runner"
          kubernetes.io:
            namespace: ci
`;

/** Claims shaped like a GitHub Actions job's token for acme/app on main, deploying to staging. */
const githubClaims = (over: Record<string, unknown> = {}) => ({
  iss: GITHUB,
  aud: AUDIENCE,
  sub: "repo:acme/app:environment:staging",
  repository: "acme/app",
  repository_owner: "acme",
  ref: "refs/heads/main",
  environment: "staging",
  job_workflow_ref: "acme/app/.github/workflows/deploy.yml@refs/heads/main",
  ...over,
});

const clusterClaims = (over: Record<string, unknown> = {}) => ({
  iss: CLUSTER,
  aud: ["leash"],
  sub: "system:serviceaccount:ci:runner",
  "kubernetes.io": { namespace: "ci", serviceaccount: { name: "runner", uid: randomUUID() } },
  ...over,
});

describe("workload identity", () => {
  let github: OidcIssuer;
  let cluster: OidcIssuer;
  let test: TestBroker;
  let scopesDir: string;

  beforeAll(async () => {
    github = await startOidcIssuer();
    cluster = await startOidcIssuer();
    scopesDir = await mkdtemp(join(tmpdir(), "leash-identities-"));
    await cp(SHIPPED_SCOPES_DIR, scopesDir, { recursive: true });
    await writeFile(join(scopesDir, "identities.yaml"), identitiesYaml(github));
    await writeFile(join(scopesDir, "cluster-jwks.json"), JSON.stringify(cluster.publicJwks()));
    // No cooldown: a token signed by a key the issuer just rotated in is verified on its first use.
    test = await startTestBroker({ scopesDir, workloadKeys: { cooldownMs: 0 } });
    for (const id of ["ci-app", "k8s-runner"]) {
      await createPrincipal(test.store, { id, kind: "agent", scopes: ["*"], createdBy: "admin" }, Date.now());
    }
  });
  afterAll(async () => {
    await test?.close();
    await github?.close();
    await cluster?.close();
  });

  const mint = (credential: string, scope = "staging-fix", intent = "deploy the staging build") =>
    api(test.url, "POST", "/v1/tokens", { key: credential, body: { scope, task: { intent } } });
  const refusal = async (credential: string, scope?: string) => {
    const { status, body } = await mint(credential, scope);
    return { status, code: body.code as string };
  };

  describe("grants", () => {
    it("gives a bound repository's job on main its staging task, and the token names the workload", async () => {
      const { status, body } = await mint(await github.sign(githubClaims()));
      expect(status).toBe(201);
      expect(body.granted.environment).toBe("staging");
      const claims = decodeJwt(body.token);
      expect(claims.sub).toBe("agent:ci-app");
      expect(claims.workload).toEqual({
        iss: GITHUB,
        sub: "repo:acme/app:environment:staging",
        binding: "app-main-staging",
      });
      // The task token works like any other.
      const decision = await api(test.url, "POST", "/v1/authorize", {
        body: {
          token: body.token,
          action: "volume:read",
          resource: "railway:prj_demo/env/staging/volume/v1",
        },
      });
      expect(decision.body, JSON.stringify(decision.body)).toMatchObject({ allow: true });
      const audit = await api(test.url, "GET", `/v1/audit?task=${body.task.id}&event=token.mint`, {
        key: test.keys.security,
      });
      expect(JSON.stringify(audit.body)).toContain(
        `workload=${GITHUB} sub=repo:acme/app:environment:staging binding=app-main-staging`,
      );
    });

    it("gives a release tag's job production-read through the production binding", async () => {
      const token = await github.sign(
        githubClaims({
          sub: "repo:acme/app:environment:production",
          environment: "production",
          ref: "refs/tags/v1.2.0",
          job_workflow_ref: "acme/app/.github/workflows/release.yml@refs/tags/v1.2.0",
        }),
      );
      const { status, body } = await mint(token, "production-read");
      expect(status).toBe(201);
      expect(decodeJwt(body.token).workload).toMatchObject({ binding: "app-release-production" });
    });

    it("gives a Kubernetes service account its task, through a static JWKS file and nested claims", async () => {
      const { status, body } = await mint(await cluster.sign(clusterClaims()));
      expect(status).toBe(201);
      expect(decodeJwt(body.token).sub).toBe("agent:k8s-runner");
    });
  });

  describe("refusals", () => {
    it("refuses another repository, another branch and another namespace: no binding matches", async () => {
      for (const token of [
        await github.sign(githubClaims({ repository: "evil/app", repository_owner: "evil" })),
        await github.sign(githubClaims({ ref: "refs/heads/feature" })),
        await github.sign(githubClaims({ repository: undefined })),
        await github.sign(githubClaims({ repository: ["acme/app"] })),
        await cluster.sign(
          clusterClaims({ "kubernetes.io": { namespace: "default", serviceaccount: { name: "runner" } } }),
        ),
        await cluster.sign(clusterClaims({ sub: "system:serviceaccount:ci:other" })),
      ]) {
        expect(await refusal(token)).toEqual({ status: 403, code: "workload_not_bound" });
      }
    });

    it("never gives a staging job a production task, whatever scope it names", async () => {
      for (const scope of ["production-read", "production-ops"]) {
        expect(await refusal(await github.sign(githubClaims()), scope)).toEqual({
          status: 403,
          code: "workload_environment_mismatch",
        });
      }
      // The production binding wants a release tag from the release workflow: a staging-shaped job is not it.
      const lookalike = githubClaims({ environment: "production", ref: "refs/heads/main" });
      expect(await refusal(await github.sign(lookalike), "production-read")).toEqual({
        status: 403,
        code: "workload_not_bound",
      });
    });

    it("refuses a wrong audience, an expired, a not-yet-valid and a future-issued token", async () => {
      const now = Math.floor(Date.now() / 1000);
      const cases: Array<[Record<string, unknown>, string]> = [
        [{ aud: "https://other.example" }, "workload_audience_invalid"],
        [{ aud: undefined }, "workload_audience_invalid"],
        [{ iat: now - 900, nbf: now - 900, exp: now - 300 }, "workload_token_expired"],
        [{ nbf: now + 600 }, "workload_token_not_yet_valid"],
        [{ iat: now + 600, nbf: now - 5 }, "workload_token_not_yet_valid"],
        [{ exp: undefined }, "workload_token_invalid"],
        [{ sub: undefined }, "workload_token_invalid"],
      ];
      for (const [over, code] of cases) {
        expect(await refusal(await github.sign(githubClaims(over))), JSON.stringify(over)).toEqual({
          status: 401,
          code,
        });
      }
    });

    it("lets a token mint once: a replay is refused, also after a refused first use", async () => {
      const token = await github.sign(githubClaims());
      expect((await mint(token)).status).toBe(201);
      expect(await refusal(token)).toEqual({ status: 401, code: "workload_token_replayed" });
      const spent = await github.sign(githubClaims());
      expect((await refusal(spent, "production-read")).code).toBe("workload_environment_mismatch");
      expect(await refusal(spent)).toEqual({ status: 401, code: "workload_token_replayed" });
    });

    it("refuses an issuer it does not trust, and a configured issuer's name signed by someone else", async () => {
      const stranger = await startOidcIssuer();
      try {
        expect(await refusal(await stranger.sign(githubClaims({ iss: "https://evil.example" })))).toEqual({
          status: 401,
          code: "workload_issuer_untrusted",
        });
        // The stranger's key id is not GitHub's: the token names a key GitHub does not publish.
        expect(await refusal(await stranger.sign(githubClaims()))).toEqual({
          status: 401,
          code: "workload_key_unknown",
        });
        // Even under GitHub's key id, the stranger's signature does not verify.
        const kid = github.publicJwks().keys[0]!.kid;
        expect(await refusal(await stranger.sign(githubClaims(), { kid }))).toEqual({
          status: 401,
          code: "workload_signature_invalid",
        });
      } finally {
        await stranger.close();
      }
    });

    it("refuses the JWT attacks: alg none, HMAC keyed with the issuer's public key, embedded and remote keys", async () => {
      const now = Math.floor(Date.now() / 1000);
      const claims = githubClaims({ jti: randomUUID(), iat: now, nbf: now - 5, exp: now + 300 });
      const jwk = github.publicJwks().keys[0]!;
      const publicPem = await exportSPKI((await importJWK(jwk, "RS256")) as CryptoKey);
      const none = `${b64json({ alg: "none", typ: "JWT" })}.${b64json(claims)}.`;
      expect(await refusal(none)).toEqual({ status: 401, code: "workload_algorithm_refused" });
      for (const secret of [publicPem, JSON.stringify(jwk)]) {
        expect(await refusal(hmacToken("HS256", secret, { kid: jwk.kid, typ: "JWT" }, claims))).toEqual({
          status: 401,
          code: "workload_algorithm_refused",
        });
      }
      // A key the token brings along, or points at, is never used.
      const attacker = await generateKeyPair("ES256", { extractable: true });
      const signer = { alg: "ES256" as const, privateKey: attacker.privateKey };
      const { exportJWK } = await import("jose");
      const attackerJwk = await exportJWK(attacker.publicKey);
      for (const header of [
        { alg: "ES256", jwk: attackerJwk },
        { alg: "ES256", jku: "http://127.0.0.1:1/jwks", kid: jwk.kid },
        { alg: "ES256", x5u: "http://127.0.0.1:1/cert", kid: jwk.kid },
      ]) {
        expect(await refusal(await signJson(header, claims, signer))).toEqual({
          status: 401,
          code: "workload_token_invalid",
        });
      }
      // An algorithm the issuer is not configured for (GitHub: RS256) is refused before any key is looked at.
      expect(await refusal(await signJson({ alg: "ES256", kid: jwk.kid }, claims, signer))).toEqual({
        status: 401,
        code: "workload_algorithm_refused",
      });
      // An unknown critical header parameter.
      const critical = { alg: "RS256", kid: jwk.kid, crit: ["leash-unknown"], "leash-unknown": 1 };
      expect(await refusal(await github.signRaw(critical, claims))).toEqual({
        status: 401,
        code: "workload_token_invalid",
      });
      for (const garbage of [
        "a.b.c",
        "x".repeat(12_000),
        "eyJ.eyJ.",
        `${"a".repeat(10)}.${"b".repeat(10)}`,
      ]) {
        expect((await refusal(garbage)).status).toBe(401);
      }
    });

    it("refuses a disabled or locked agent's workloads", async () => {
      await createPrincipal(
        test.store,
        { id: "ci-locked", kind: "agent", scopes: ["*"], createdBy: "admin" },
        0,
      );
      const disabled = await api(test.url, "POST", "/v1/agents/k8s-runner/disable", { key: test.keys.admin });
      expect(disabled.status).toBe(200);
      expect(await refusal(await cluster.sign(clusterClaims()))).toEqual({
        status: 401,
        code: "principal_disabled",
      });
      await api(test.url, "POST", "/v1/agents/k8s-runner/enable", { key: test.keys.admin });
      const locked = await api(test.url, "POST", "/v1/revocations", {
        key: test.keys.security,
        body: { agent: "k8s-runner", reason: "runner compromised" },
      });
      expect(locked.status).toBeLessThan(300);
      expect(await refusal(await cluster.sign(clusterClaims()))).toEqual({ status: 403, code: "locked" });
      const locks = await api(test.url, "GET", "/v1/locks", { key: test.keys.security });
      for (const lock of locks.body.locks) {
        await api(test.url, "DELETE", `/v1/locks/${lock.id}`, { key: test.keys.security });
      }
      expect((await mint(await cluster.sign(clusterClaims()))).status).toBe(201);
    });
  });

  it("picks up a key the issuer rotated in, and stops trusting the one it dropped", async () => {
    const before = await github.sign(githubClaims());
    await github.rotate();
    const fetches = github.fetches();
    expect((await mint(await github.sign(githubClaims()))).status).toBe(201);
    expect(github.fetches()).toBeGreaterThan(fetches);
    expect(await refusal(before)).toEqual({ status: 401, code: "workload_key_unknown" });
  });

  describe("leash token", () => {
    const env = () => ({ LEASH_URL: test.url, LEASH_AGENT_KEY: "" });

    it("mints with --oidc-token-file, as a Kubernetes pod's projected token", async () => {
      const file = join(scopesDir, "token");
      await writeFile(file, `${await cluster.sign(clusterClaims())}\n`);
      const result = await runCli(
        [
          "token",
          "--scope",
          "staging-fix",
          "--intent",
          "run CI",
          "--oidc-token-file",
          file,
          "--format",
          "json",
        ],
        {
          env: env(),
        },
      );
      expect(result.stderr).toBe("");
      expect(decodeJwt(JSON.parse(result.stdout).token).sub).toBe("agent:k8s-runner");
    });

    it("mints with --oidc github-actions, asking GitHub's token endpoint for leash's audience", async () => {
      const { createServer } = await import("node:http");
      const requests: string[] = [];
      const endpoint = createServer(async (request, response) => {
        requests.push(request.url ?? "");
        if (request.headers.authorization !== "bearer gh-request-token") {
          response.writeHead(401).end();
          return;
        }
        const audience = new URL(request.url ?? "/", "http://x").searchParams.get("audience");
        const value = await github.sign(githubClaims({ aud: audience }));
        response.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify({ value }));
      });
      await new Promise<void>((resolve) => endpoint.listen(0, "127.0.0.1", resolve));
      const port = (endpoint.address() as { port: number }).port;
      try {
        const result = await runCli(
          [
            "token",
            "--scope",
            "staging-fix",
            "--intent",
            "deploy",
            "--oidc",
            "github-actions",
            "--oidc-audience",
            AUDIENCE,
          ],
          {
            env: {
              ...env(),
              ACTIONS_ID_TOKEN_REQUEST_URL: `http://127.0.0.1:${port}/token?api-version=2.0`,
              ACTIONS_ID_TOKEN_REQUEST_TOKEN: "gh-request-token",
            },
          },
        );
        expect(result.stderr).toBe("");
        expect(decodeJwt(result.stdout.trim()).workload).toMatchObject({ binding: "app-main-staging" });
        expect(requests[0]).toContain("api-version=2.0");
        expect(requests[0]).toContain(`audience=${encodeURIComponent(AUDIENCE)}`);
        // Without GitHub's variables the command says what the job lacks.
        const missing = await runCli(
          ["token", "--scope", "staging-fix", "--intent", "x", "--oidc", "github-actions"],
          {
            env: { ...env(), ACTIONS_ID_TOKEN_REQUEST_URL: "", ACTIONS_ID_TOKEN_REQUEST_TOKEN: "" },
          },
        );
        expect(missing.code).not.toBe(0);
        expect(missing.stderr).toContain("id-token: write");
      } finally {
        endpoint.close();
      }
    });
  });
});
