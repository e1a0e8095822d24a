// identities.yaml is validated and linted like the scopes: every problem names the file, the path and what was expected.
import { afterAll, describe, expect, it } from "vitest";
import { lintProblems, loadProblems, removeScopeDirs, scopeDir, stagingScope } from "./scope-dir.ts";

afterAll(removeScopeDirs);

const issuer = (bindings: string, extra = "") => `
issuers:
  - name: ci
    issuer: https://ci.example
    jwks_uri: https://ci.example/jwks
    audiences: [leash]${extra}
    bindings:${bindings}
`;

const binding = (over: Record<string, string> = {}) => {
  const fields = {
    name: "name: deploy",
    agent: "agent: ci-app",
    scopes: 'scopes: ["s"]',
    claims: "claims: {repository: acme/app}",
    ...over,
  };
  return `\n      - ${Object.values(fields).filter(Boolean).join("\n        ")}`;
};

describe("identities.yaml", () => {
  it("a valid trust file loads and lints clean", async () => {
    const dir = await scopeDir({ "s.yaml": stagingScope(), "identities.yaml": issuer(binding()) });
    expect(await lintProblems(dir)).toEqual([]);
  });

  it("is not read as a scope, and its absence trusts no issuer", async () => {
    const dir = await scopeDir({ "s.yaml": stagingScope() });
    expect(await lintProblems(dir)).toEqual([]);
  });

  it("reports schema problems with file and path", async () => {
    const dir = await scopeDir({
      "s.yaml": stagingScope(),
      "identities.yaml": `
issuers:
  - name: ci
    issuer: https://ci.example
    jwks_uri: http://ci.example/jwks
    audiences: []
    algorithms: [HS256]
    bindings:
      - name: deploy
        agent: ci-app
        scopes: [s]
        claims: {}
        environment: nowhere
`,
    });
    const problems = await loadProblems(dir);
    expect(problems).toEqual(
      expect.arrayContaining([
        'identities.yaml: issuers[0].jwks_uri: expected an https:// URL, got "http://ci.example/jwks"',
        "identities.yaml: issuers[0].audiences: expected at least 1 item(s), got 0",
        expect.stringMatching(
          /^identities\.yaml: issuers\[0\]\.algorithms\[0\]: expected "RS256" or .* got "HS256"$/,
        ),
        "identities.yaml: issuers[0].bindings[0].claims: expected at least one claim to match",
      ]),
    );
  });

  it("needs exactly one of jwks_uri and jwks_file, and a JWKS file of public keys", async () => {
    const both = await scopeDir({
      "s.yaml": stagingScope(),
      "identities.yaml": issuer(binding(), "\n    jwks_file: keys.json"),
    });
    expect(await loadProblems(both)).toEqual([
      "identities.yaml: issuers[0]: expected exactly one of jwks_uri or jwks_file",
    ]);
    const privateKey = JSON.stringify({ keys: [{ kty: "EC", crv: "P-256", x: "a", y: "b", d: "secret" }] });
    const fileIssuer = issuer(binding()).replace("jwks_uri: https://ci.example/jwks", "jwks_file: keys.json");
    const dir = await scopeDir({
      "s.yaml": stagingScope(),
      "identities.yaml": fileIssuer,
      "keys.json": privateKey,
    });
    expect((await loadProblems(dir))[0]).toMatch(
      /^identities\.yaml: issuers\[0\]\.jwks_file: .*keys\.json: expected public keys only, got private or symmetric key material$/,
    );
  });

  it("lint: a binding that reaches no scope, or whose pinned environment none of its scopes is in", async () => {
    const dir = await scopeDir({
      "s.yaml": stagingScope(),
      "identities.yaml": issuer(
        binding({ scopes: 'scopes: ["prod-*"]' }) +
          binding({ name: "name: pinned", environment: "environment: production" }),
      ),
    });
    expect(await lintProblems(dir)).toEqual([
      'identities.yaml: issuers[0].bindings[0].scopes: expected globs matching at least one scope, got ["prod-*"]',
      "identities.yaml: issuers[0].bindings[1].environment: expected at least one of the binding's scopes in environment production, got none (s)",
    ]);
  });

  it("lint: claims of only wildcards constrain nothing; a GitHub binding must name the repository or owner", async () => {
    const wildcard = await scopeDir({
      "s.yaml": stagingScope(),
      "identities.yaml": issuer(binding({ claims: 'claims: {repository: "*", ref: "**"}' })),
    });
    expect(await lintProblems(wildcard)).toEqual([
      "identities.yaml: issuers[0].bindings[0].claims: expected at least one claim with a value other than wildcards",
    ]);
    const github = issuer(binding({ claims: "claims: {environment: staging}" })).replace(
      "issuer: https://ci.example",
      "issuer: https://token.actions.githubusercontent.com",
    );
    const dir = await scopeDir({ "s.yaml": stagingScope(), "identities.yaml": github });
    expect((await lintProblems(dir))[0]).toMatch(
      /^identities\.yaml: issuers\[0\]\.bindings\[0\]\.claims: expected a claim naming the repository or its owner/,
    );
  });
});
