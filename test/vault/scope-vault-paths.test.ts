// A production scope can never read a staging (or any other environment's) Vault role: lint refuses it, and so do
// the broker's start and reload, and the `leash scopes lint` command.
import { afterAll, describe, expect, it } from "vitest";
import { ScopeRegistry, ScopesInvalidError } from "../../src/broker/scope-registry.ts";
import { runCli } from "../helpers/cli.ts";
import { lintProblems, removeScopeDirs, scopeDir, stagingScope } from "../scopes/scope-dir.ts";

afterAll(removeScopeDirs);

const productionScope = (vaultPath: string) =>
  stagingScope({
    environment: "environment: production",
    actions: "actions: [database:read]",
    resources: 'resources: ["railway:prj_demo/env/production/**"]',
    ttl: "ttl: {default: 10m, max: 30m}",
    credentials: `credentials: {vault: {path: ${vaultPath}}}`,
  });

const REFUSED =
  'prod-db.yaml: credentials.vault.path: expected a Vault path matching environment "production" vault_paths (database/creds/production-*), got "database/creds/staging-readwrite"';

describe("Vault paths belong to an environment (environments.yaml vault_paths)", () => {
  it("a production scope pointing at the staging role is refused", async () => {
    const dir = await scopeDir({ "prod-db.yaml": productionScope("database/creds/staging-readwrite") });
    expect(await lintProblems(dir)).toEqual([REFUSED]);
    await expect(ScopeRegistry.open(dir)).rejects.toBeInstanceOf(ScopesInvalidError);

    const lint = await runCli(["scopes", "lint", dir]);
    expect(lint.code).toBe(1);
    expect(lint.stderr).toContain(REFUSED);
  });

  it("a production scope pointing at the production role is accepted", async () => {
    const dir = await scopeDir({ "prod-db.yaml": productionScope("database/creds/production-readwrite") });
    expect(await lintProblems(dir)).toEqual([]);
    expect((await ScopeRegistry.open(dir)).current().scopes.get("prod-db")?.credentials?.vault.path).toBe(
      "database/creds/production-readwrite",
    );
  });
});
