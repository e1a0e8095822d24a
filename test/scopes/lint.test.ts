import { afterAll, describe, expect, it } from "vitest";
import { lintScopeDir, lintScopeSet } from "../../src/scopes/lint.ts";
import { formatProblem, loadScopeSet } from "../../src/scopes/load.ts";
import { lintProblems, removeScopeDirs, SHIPPED_DIR, scopeDir, stagingScope } from "./scope-dir.ts";

afterAll(removeScopeDirs);

const productionScope = (overrides: Record<string, string | null> = {}) =>
  stagingScope({
    environment: "environment: production",
    resources: 'resources: ["railway:prj_demo/env/production/**"]',
    ttl: "ttl: {default: 10m, max: 30m}",
    ...overrides,
  });

describe("lintScopeSet", () => {
  it("the shipped scopes lint clean", async () => {
    const { set, problems } = await lintScopeDir(SHIPPED_DIR);
    expect(problems.map(formatProblem)).toEqual([]);
    expect(set?.scopes.size).toBe(3);
  });

  it("a valid scope has no problems", async () => {
    const dir = await scopeDir({ "s.yaml": stagingScope() });
    expect(await lintProblems(dir)).toEqual([]);
  });

  it("a load problem stops lint and is reported instead", async () => {
    const dir = await scopeDir({ "s.yaml": stagingScope({ ttl: "ttl: {default: 2h, max: soon}" }) });
    expect(await lintProblems(dir)).toEqual(['s.yaml: ttl.max: expected a duration like "1m", got "soon"']);
  });

  it("non-grantable action (and, independently, backups in reach)", async () => {
    const dir = await scopeDir({
      "s.yaml": stagingScope({ actions: "actions: [volume:read, snapshot:delete]" }),
    });
    expect(await lintProblems(dir)).toEqual([
      's.yaml: actions[1]: expected only grantable actions, got "snapshot:delete" which actions.yaml marks grantable: false (no scope may include it)',
      "s.yaml: actions: expected a scope that cannot destroy backups, got snapshot:delete",
    ]);
  });

  it("data and backups deletable by one scope, even when the catalogue marks the backup action grantable", async () => {
    const dir = await scopeDir({
      "actions.yaml": [
        "actions:",
        "  - {name: volume:read, destructive: false}",
        "  - {name: volume:delete, destructive: true}",
        "  - {name: backup:delete, destructive: true, backup: true}",
        "",
      ].join("\n"),
      "s.yaml": stagingScope({ actions: "actions: [volume:read, volume:delete, backup:delete]" }),
    });
    expect(await lintProblems(dir)).toEqual([
      "s.yaml: actions: expected a scope that cannot delete both data and its backups, got data deletion (volume:delete) and backup deletion (backup:delete)",
    ]);
  });

  it("resources outside the scope's environment", async () => {
    const dir = await scopeDir({
      "s.yaml": stagingScope({
        resources: [
          "resources:",
          "  - railway:prj_demo/env/staging/volume/*",
          "  - railway:prj_demo/env/production/**",
          "  - railway:prj_demo/env/*/volume/*",
          "  - postgres://prod-db.internal/**",
          "  - postgres://staging-db.internal/app",
          "  - railway:prj_demo/env/staging-evil/**",
        ].join("\n"),
      }),
    });
    const outside = (glob: string) =>
      `s.yaml: ${glob}: expected a resource glob inside environment "staging" (railway:prj_demo/env/staging/**, postgres://staging-db.internal/**), got`;
    expect(await lintProblems(dir)).toEqual([
      `${outside("resources[1]")} "railway:prj_demo/env/production/**"`,
      `${outside("resources[2]")} "railway:prj_demo/env/*/volume/*"`,
      `${outside("resources[3]")} "postgres://prod-db.internal/**"`,
      `${outside("resources[5]")} "railway:prj_demo/env/staging-evil/**"`,
    ]);
  });

  it("ttl.default above ttl.max, ttl.max above the environment's max_ttl, vault ttl above ttl.max", async () => {
    const dir = await scopeDir({
      "s.yaml": stagingScope({
        ttl: "ttl: {default: 3h, max: 2h}",
        credentials: "credentials: {vault: {path: database/creds/staging-ro, ttl: 1d}}",
      }),
    });
    expect(await lintProblems(dir)).toEqual([
      "s.yaml: ttl.default: expected at most ttl.max (2h), got 3h",
      's.yaml: ttl.max: expected at most environment "staging" max_ttl (1h), got 2h',
      "s.yaml: credentials.vault.ttl: expected at most ttl.max (2h), got 1d",
    ]);
  });

  it("a protected environment's scope granting destructive actions needs approval", async () => {
    const dir = await scopeDir({
      "none.yaml": productionScope({ actions: "actions: [volume:read, volume:delete, service:delete]" }),
      "partial.yaml": productionScope({
        actions: "actions: [volume:read, volume:delete, service:delete]",
        approval: "approval: {actions: {volume:delete: {approvers: [sre]}}}",
      }),
      "per-action.yaml": productionScope({
        actions: "actions: [volume:read, volume:delete, service:delete]",
        approval:
          "approval: {actions: {volume:delete: {approvers: [sre]}, service:delete: {approvers: [sre]}}}",
      }),
      "blanket.yaml": productionScope({
        actions: "actions: [volume:read, volume:delete]",
        approval: "approval: {destructive: {approvers: [sre], quorum: 2}}",
      }),
      "read.yaml": productionScope({ actions: "actions: [volume:read]" }),
    });
    const needs = (file: string, missing: string) =>
      `${file}: approval: expected approval.destructive (or approval.actions for each destructive action) because environment "production" is protected, got no approval for ${missing}`;
    expect(await lintProblems(dir)).toEqual([
      needs("none.yaml", "volume:delete, service:delete"),
      needs("partial.yaml", "service:delete"),
    ]);
  });

  it("a passkey required for destructive approvals is not undone by a per-action rule; an unknown factor is named", async () => {
    const dir = await scopeDir({
      "weak.yaml": productionScope({
        actions: "actions: [volume:read, volume:delete, service:delete]",
        approval:
          "approval: {destructive: {approvers: [sre], factor: webauthn}, actions: {volume:delete: {approvers: [dba]}, volume:read: {approvers: [sre]}}}",
      }),
      "strong.yaml": productionScope({
        actions: "actions: [volume:read, volume:delete]",
        approval:
          "approval: {destructive: {approvers: [sre], factor: webauthn}, actions: {volume:delete: {approvers: [dba], factor: webauthn}}}",
      }),
    });
    expect(await lintProblems(dir)).toEqual([
      'weak.yaml: approval.actions["volume:delete"].factor: expected factor: webauthn, as approval.destructive asks: this rule takes its place for a destructive action, so a TOTP code would approve it',
    ]);
    const typo = await scopeDir({
      "s.yaml": productionScope({
        actions: "actions: [volume:read, volume:delete]",
        approval: "approval: {destructive: {approvers: [sre], factor: passkey}}",
      }),
    });
    expect(await lintProblems(typo)).toEqual([
      's.yaml: approval.destructive.factor: expected factor any or webauthn, got "passkey"',
    ]);
  });

  it("approval and limits naming actions the scope does not grant", async () => {
    const dir = await scopeDir({
      "s.yaml": stagingScope({
        approval: "approval: {actions: {service:delete: {approvers: [sre]}}}",
        limits:
          "limits: [{match: {action: volume:delete}, max: 1, per: 1m, key: task}, {match: {action: service:restart}, max: 1, per: 1m, key: task}]",
      }),
    });
    expect(await lintProblems(dir)).toEqual([
      's.yaml: approval.actions["service:delete"]: expected an action this scope grants, got "service:delete"',
      's.yaml: limits[1].match.action: expected an action this scope grants, got "service:restart"',
    ]);
  });

  it("a Vault path of another environment, or any Vault path where none are declared", async () => {
    const dir = await scopeDir({
      "environments.yaml": [
        "environments:",
        "  - name: staging",
        "    max_ttl: 1h",
        '    resources: ["railway:prj_demo/env/staging/**"]',
        '    vault_paths: ["database/creds/staging-*"]',
        "  - name: sandbox",
        "    max_ttl: 1h",
        '    resources: ["railway:prj_demo/env/sandbox/**"]',
        "",
      ].join("\n"),
      "a.yaml": stagingScope({
        credentials: "credentials: {vault: {path: database/creds/production-readwrite}}",
      }),
      "b.yaml": stagingScope({
        credentials: "credentials: {vault: {path: database/creds/staging-x/../production-rw}}",
      }),
      "c.yaml": stagingScope({
        environment: "environment: sandbox",
        resources: 'resources: ["railway:prj_demo/env/sandbox/**"]',
        credentials: "credentials: {vault: {path: database/creds/sandbox}}",
      }),
      "d.yaml": stagingScope({
        credentials: "credentials: {vault: {path: database/creds/staging-readonly}}",
      }),
    });
    expect(await lintProblems(dir)).toEqual([
      'a.yaml: credentials.vault.path: expected a Vault path matching environment "staging" vault_paths (database/creds/staging-*), got "database/creds/production-readwrite"',
      'b.yaml: credentials.vault.path: expected a Vault path matching environment "staging" vault_paths (database/creds/staging-*), got "database/creds/staging-x/../production-rw"',
      'c.yaml: credentials.vault.path: expected no Vault credentials: environment "sandbox" declares no vault_paths, got "database/creds/sandbox"',
    ]);
  });

  it("reports a scope whose environment is missing from a hand-built set", async () => {
    const loaded = await loadScopeSet(SHIPPED_DIR);
    if (!loaded.ok) throw new Error("shipped scopes do not load");
    const environments = new Map(loaded.set.environments);
    environments.delete("staging");
    const problems = lintScopeSet({ ...loaded.set, environments });
    expect(problems.map((p) => `${p.path}: ${p.message}`)).toEqual([
      'environment: expected an environment from environments.yaml, got "staging"',
    ]);
  });
});
