// The policy: environment mismatch and destroyed safety nets deny, protected or unknown environments ask.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
import { parseEnvironmentMarkers } from "../../src/guard/markers.ts";
import type { EnvironmentMarkers } from "../../src/guard/types.ts";

const ENVIRONMENTS: EnvironmentMarkers[] = [
  {
    name: "staging",
    protected: false,
    markers: ["staging-db.internal", "--context staging", "RAILS_ENV=staging", "prj_demo/env/staging"],
  },
  {
    name: "production",
    protected: true,
    markers: ["prod-db.internal", "--context prod", "RAILS_ENV=production", "prj_demo/env/production"],
  },
];
const ACTION_NAME = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$/;

describe("decisions", () => {
  it("denies a command aimed at another environment than the task's, destructive or not", () => {
    const read = classify("psql -h prod-db.internal -c 'SELECT count(*) FROM users'", {
      env: "staging",
      environments: ENVIRONMENTS,
    });
    expect(read.destructive).toBe(false);
    expect(read.decision).toBe("deny");
    expect(read.environment).toBe("production");
    expect(read.reasons[0]).toMatch(/^environment_mismatch: .*production.*staging/);
  });

  it("asks before destruction in a protected environment", () => {
    const r = classify("kubectl --context prod delete pvc data-0", {
      env: "production",
      environments: ENVIRONMENTS,
    });
    expect(r).toMatchObject({
      destructive: true,
      decision: "ask",
      environment: "production",
      actions: ["volume:delete"],
    });
    expect(r.reasons[0]).toMatch(/^protected_environment/);
  });

  it("allows destruction the intent covers in a known unprotected environment, flagged", () => {
    const r = classify("psql -h staging-db.internal -c 'TRUNCATE sessions'", {
      env: "staging",
      intent: "empty the sessions table",
      environments: ENVIRONMENTS,
    });
    expect(r).toMatchObject({
      destructive: true,
      decision: "allow",
      environment: "staging",
      actions: ["table:truncate"],
    });
  });

  it("asks when a destructive command does not say where it goes", () => {
    const r = classify("rm -rf /srv/data", { env: "staging", environments: ENVIRONMENTS });
    expect(r).toMatchObject({ destructive: true, decision: "ask", environment: "unknown" });
    expect(r.reasons[0]).toMatch(/^unknown_environment/);
  });

  it("denies destroying backups and safety nets everywhere, even in staging", () => {
    for (const cmd of [
      "aws rds delete-db-snapshot --db-snapshot-identifier staging-nightly",
      "RAILS_ENV=staging bin/rails runner 'Backup.destroy_all' && rm -rf /var/backups/staging",
      'mutation { volumeInstanceBackupDelete(volumeInstanceBackupId: "bak_1") }',
    ]) {
      const r = classify(cmd, { env: "staging", environments: ENVIRONMENTS });
      expect(r.decision, cmd).toBe("deny");
      expect(
        r.reasons.some((x) => x.startsWith("safety_net")),
        cmd,
      ).toBe(true);
    }
  });

  it("allows what is not destructive", () => {
    const r = classify("kubectl --context staging get pods", { env: "staging", environments: ENVIRONMENTS });
    expect(r).toMatchObject({ destructive: false, decision: "allow", environment: "staging" });
  });

  it("recognises generic production hints when no marker matches", () => {
    expect(classify("kubectl -n prod delete deploy api", { environments: ENVIRONMENTS }).environment).toBe(
      "production",
    );
    expect(
      classify("curl https://es-prod.example.com/_cat/indices", { environments: ENVIRONMENTS }).environment,
    ).toBe("production");
    expect(classify("npm install --production", { environments: ENVIRONMENTS }).environment).toBe("unknown");
    expect(classify("ls /dev/disk", { environments: ENVIRONMENTS }).environment).toBe("unknown");
  });

  it("only uses generic hints for environments that exist", () => {
    const onlyStaging = ENVIRONMENTS.filter((e) => e.name === "staging");
    expect(classify("kubectl -n prod get pods", { environments: onlyStaging }).environment).toBe("unknown");
  });

  it("takes the task environment from the intent when none is given", () => {
    const r = classify("kubectl --context prod get pods", {
      intent: "fix the staging deploy",
      environments: ENVIRONMENTS,
    });
    expect(r.decision).toBe("deny");
    expect(r.reasons[0]).toMatch(/environment_mismatch/);
  });

  it("asks when a destructive command does not fit a read-only intent", () => {
    const r = classify("psql -h staging-db.internal -c 'DELETE FROM orders'", {
      env: "staging",
      intent: "investigate why orders look wrong",
      environments: ENVIRONMENTS,
    });
    expect(r.decision).toBe("ask");
    expect(r.reasons.some((x) => x.startsWith("intent_mismatch"))).toBe(true);
  });

  it("reads markers from environments.yaml with extra fields", async () => {
    const environments = await parseEnvironmentMarkers(`
environments:
  - name: qa
    protected: true
    max_ttl: 1h
    resources: ["postgres://qa-db.corp/**"]
    markers: [qa-db.corp, "--context qa-east"]
    limits: [{ match: { destructive: true }, max: 1, per: 1m, key: environment }]
  - name: dev
    markers: []
`);
    expect(environments).toEqual([
      { name: "qa", protected: true, markers: ["qa-db.corp", "--context qa-east"] },
      { name: "dev", protected: false, markers: [] },
    ]);
    const r = classify("kubectl --context=qa-east delete ns tenants", { environments });
    expect(r).toMatchObject({ environment: "qa", decision: "ask", destructive: true });
  });

  it("refuses markers the scopes schema refuses, naming where", async () => {
    const read = (yaml: string) => parseEnvironmentMarkers(yaml, "envs.yaml");
    await expect(read("environments:\n  - name: qa\n    protected: yes-please\n")).rejects.toThrow(
      /envs\.yaml: environments\[0\]\.protected: expected true or false/,
    );
    await expect(read('environments:\n  - name: qa\n    markers: [qa-db, ""]\n')).rejects.toThrow(
      /envs\.yaml: environments\[0\]\.markers\[1\]: expected a marker string/,
    );
    await expect(read("environments:\n  - name: q a\n")).rejects.toThrow(/environments\[0\]\.name/);
    await expect(read("envs: []\n")).rejects.toThrow(
      /envs\.yaml: environments: expected a list of environments/,
    );
    // YAML the plain reader leaves to the yaml package: read the same, and its errors still name the file.
    await expect(read("environments:\n  - name: &n qa\n    markers: [*n]\n")).resolves.toEqual([
      { name: "qa", protected: false, markers: ["qa"] },
    ]);
    await expect(read("environments:\n  - name: qa\n  markers: [\n")).rejects.toThrow(
      /^envs\.yaml: not valid YAML: /,
    );
  });

  it("names actions in the catalogue's resource:verb style", () => {
    const samples = [
      'mutation { volumeDelete(volumeId: "v") }',
      "DROP DATABASE app",
      "aws s3 rm s3://b --recursive",
      "terraform destroy -target=aws_db_instance.main",
      "heroku pg:backups:capture --app x",
      "railway up",
      "curl -X DELETE https://api.example.com/v1/projects/p_1",
    ];
    const actions = samples.flatMap((s) => classify(s).actions);
    expect(actions).toEqual(
      expect.arrayContaining([
        "volume:delete",
        "database:delete",
        "object:delete",
        "backup:create",
        "deploy:create",
        "project:delete",
      ]),
    );
    for (const a of actions) expect(a).toMatch(ACTION_NAME);
  });
});
