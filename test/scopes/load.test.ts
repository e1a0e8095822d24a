import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { formatPath } from "../../src/scopes/format-path.ts";
import { formatProblem, loadScopeSet } from "../../src/scopes/load.ts";
import { loadProblems, removeScopeDirs, SHIPPED_DIR, scopeDir, stagingScope } from "./scope-dir.ts";

afterAll(removeScopeDirs);

describe("loadScopeSet", () => {
  it("loads the shipped scopes with durations in milliseconds and the file name as scope id", async () => {
    const result = await loadScopeSet(SHIPPED_DIR);
    if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
    const { set } = result;
    expect([...set.scopes.keys()].sort()).toEqual(["production-ops", "production-read", "staging-fix"]);
    expect([...set.environments.keys()]).toEqual(["staging", "production"]);
    const stagingFix = set.scopes.get("staging-fix")!;
    expect(stagingFix.id).toBe("staging-fix");
    expect(stagingFix.file).toBe(path.join(SHIPPED_DIR, "staging-fix.yaml"));
    expect(stagingFix.ttl).toEqual({ default: 15 * 60_000, max: 60 * 60_000 });
    expect(stagingFix.limits).toEqual([
      { match: { destructive: true }, max: 3, per: 60_000, key: "task", on_exceed: "revoke_task" },
    ]);
    expect(set.environments.get("production")).toMatchObject({ protected: true, max_ttl: 30 * 60_000 });
    expect(set.actions.get("backup:delete")).toMatchObject({
      destructive: true,
      grantable: false,
      backup: true,
    });
    expect(set.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("names the file as dir joined with the file name", async () => {
    const dir = await scopeDir({
      "staging-fix.yaml": stagingScope({ ttl: "ttl: {default: 15m, max: later}" }),
    });
    const result = await loadScopeSet(dir);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.problems.map(formatProblem)).toEqual([
      `${path.join(dir, "staging-fix.yaml")}: ttl.max: expected a duration like "1m", got "later"`,
    ]);
  });

  it("hashes names and contents: same files give the same hash wherever they are, a changed byte changes it", async () => {
    const a = await scopeDir({ "s.yaml": stagingScope() });
    const b = await scopeDir({ "s.yaml": stagingScope() });
    const c = await scopeDir({ "s.yaml": stagingScope({ description: "description: other" }) });
    const d = await scopeDir({ "t.yaml": stagingScope() });
    const hashes = await Promise.all(
      [a, b, c, d].map(async (dir) => {
        const result = await loadScopeSet(dir);
        if (!result.ok) throw new Error(result.problems.map(formatProblem).join("\n"));
        return result.set.hash;
      }),
    );
    expect(hashes[0]).toBe(hashes[1]);
    expect(hashes[2]).not.toBe(hashes[0]);
    expect(hashes[3]).not.toBe(hashes[0]);
  });
});

describe("loadScopeSet problems", () => {
  it("bad duration", async () => {
    const dir = await scopeDir({
      "staging-fix.yaml": stagingScope({
        limits: "limits:\n  - {match: {destructive: true}, max: 3, per: soon, key: task}",
      }),
    });
    expect(await loadProblems(dir)).toEqual([
      'staging-fix.yaml: limits[0].per: expected a duration like "1m", got "soon"',
    ]);
  });

  it("a number where a duration belongs", async () => {
    const dir = await scopeDir({ "s.yaml": stagingScope({ ttl: "ttl: {default: 60, max: 1h}" }) });
    expect(await loadProblems(dir)).toEqual(['s.yaml: ttl.default: expected a duration like "1m", got 60']);
  });

  it("unknown key names the key, suggests a close one and lists the allowed ones", async () => {
    const dir = await scopeDir({
      "s.yaml": `${stagingScope({ ttl: "ttl: {default: 15m, maximum: 1h}" })}enviroment: x\n`,
    });
    expect(await loadProblems(dir)).toEqual([
      's.yaml: ttl.max: expected a duration like "1m", got nothing',
      's.yaml: ttl: unknown key "maximum", expected one of: default, max',
      's.yaml: (root): unknown key "enviroment" (did you mean "environment"?), expected one of: description, environment, agents, actions, resources, audiences, ttl, limits, approval, credentials',
    ]);
  });

  it("missing required fields say what was expected and got nothing", async () => {
    const dir = await scopeDir({
      "s.yaml": stagingScope({ description: null, ttl: null, agents: "agents:" }),
    });
    expect(await loadProblems(dir)).toEqual([
      "s.yaml: description: expected a description of what the scope is for, got nothing",
      's.yaml: agents: expected a list of agent id globs like ["*"], got nothing',
      "s.yaml: ttl: expected a mapping like {default: 15m, max: 1h}, got nothing",
    ]);
  });

  it("wrong types", async () => {
    const dir = await scopeDir({
      "s.yaml": stagingScope({
        agents: 'agents: "*"',
        actions: "actions: [volume:read, 3, Volume:Delete]",
        limits:
          'limits:\n  - {match: {destructive: false}, max: "3", per: 1m, key: everyone, on_exceed: explode}',
      }),
    });
    expect(await loadProblems(dir)).toEqual([
      's.yaml: agents: expected a list of agent id globs like ["*"], got "*"',
      's.yaml: actions[1]: expected an action name like "volume:delete", got 3',
      's.yaml: actions[2]: expected an action name like "volume:delete", got "Volume:Delete"',
      's.yaml: limits[0].match: expected {action: "resource:verb"} or {destructive: true}, got a mapping',
      's.yaml: limits[0].max: expected a whole number ≥ 1, got "3"',
      's.yaml: limits[0].key: expected one of task, agent, scope, environment, got "everyone"',
      's.yaml: limits[0].on_exceed: expected deny or revoke_task, got "explode"',
    ]);
  });

  it("paths into approval.actions quote action names", async () => {
    const dir = await scopeDir({
      "s.yaml": stagingScope({
        approval:
          'approval:\n  actions:\n    "volume:delete": {approvers: [sre], quorum: 0}\n    Bad: {approvers: []}',
      }),
    });
    expect(await loadProblems(dir)).toEqual([
      's.yaml: approval.actions["volume:delete"].quorum: expected a whole number ≥ 1, got 0',
      's.yaml: approval.actions.Bad: expected an action name like "volume:delete", got "Bad"',
    ]);
  });

  it("environments.yaml: wrong types, missing fields and bad URLs", async () => {
    const dir = await scopeDir({
      "environments.yaml": [
        "environments:",
        "  - name: staging",
        "    protected: yes",
        "    resources: []",
        "    webhook: ftp://example.com/hook",
        "  - name: production",
        "    max_ttl: 30m",
        '    resources: ["railway:prj_demo/env/production/**"]',
        "    limits: [{match: {action: volume:destroy}, max: 1, per: 1m, key: environment}]",
        "",
      ].join("\n"),
    });
    expect(await loadProblems(dir)).toEqual([
      'environments.yaml: environments[0].protected: expected true or false, got "yes"',
      'environments.yaml: environments[0].max_ttl: expected a duration like "1m", got nothing',
      "environments.yaml: environments[0].resources: expected at least one resource glob",
      'environments.yaml: environments[0].webhook: expected an http(s) URL, got "ftp://example.com/hook"',
    ]);
  });

  it("environment limits may only name catalogue actions", async () => {
    const dir = await scopeDir({
      "environments.yaml": [
        "environments:",
        "  - name: staging",
        "    max_ttl: 1h",
        '    resources: ["railway:prj_demo/env/staging/**"]',
        "    limits: [{match: {action: volume:delet}, max: 1, per: 1m, key: environment}]",
        "",
      ].join("\n"),
    });
    expect(await loadProblems(dir)).toEqual([
      'environments.yaml: environments[0].limits[0].match.action: expected an action from actions.yaml, got "volume:delet" (did you mean "volume:delete"?)',
    ]);
  });

  it("unknown environment", async () => {
    const dir = await scopeDir({ "s.yaml": stagingScope({ environment: "environment: prod" }) });
    expect(await loadProblems(dir)).toEqual([
      's.yaml: environment: expected an environment from environments.yaml (staging, production), got "prod"',
    ]);
  });

  it("unknown action, also when the file has schema problems", async () => {
    const dir = await scopeDir({
      "s.yaml": stagingScope({ actions: "actions: [volume:read, volume:destroy, volume:delte]", ttl: null }),
    });
    expect(await loadProblems(dir)).toEqual([
      "s.yaml: ttl: expected a mapping like {default: 15m, max: 1h}, got nothing",
      's.yaml: actions[1]: expected an action from actions.yaml, got "volume:destroy"',
      's.yaml: actions[2]: expected an action from actions.yaml, got "volume:delte" (did you mean "volume:delete"?)',
    ]);
  });

  it("YAML syntax errors carry line and column, and do not stop other files being checked", async () => {
    const dir = await scopeDir({
      "a.yaml": "description: x\nactions: [volume:read\nttl: {default: 15m, max: 1h}\n",
      "b.yaml": "description: x\n  environment: staging\n",
      "c.yaml": "description: a\ndescription: b\n",
      "d.yaml": stagingScope({ ttl: "ttl: {default: 15m, max: 1y}" }),
    });
    expect(await loadProblems(dir)).toEqual([
      "a.yaml: (root): invalid YAML at line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]",
      "b.yaml: (root): invalid YAML at line 1, column 14: Nested mappings are not allowed in compact mappings",
      "b.yaml: (root): invalid YAML at line 1, column 14: Implicit keys need to be on a single line",
      "c.yaml: (root): invalid YAML at line 2, column 1: Map keys must be unique",
      'd.yaml: ttl.max: expected a duration like "1m", got "1y"',
    ]);
  });

  it("duplicate environment and action names", async () => {
    const dir = await scopeDir({
      "environments.yaml": [
        "environments:",
        '  - {name: staging, max_ttl: 1h, resources: ["railway:prj_demo/env/staging/**"]}',
        '  - {name: staging, max_ttl: 2h, resources: ["railway:prj_demo/env/staging2/**"]}',
        "",
      ].join("\n"),
      "actions.yaml": [
        "actions:",
        "  - {name: volume:read, destructive: false}",
        "  - {name: volume:delete, destructive: true}",
        "  - {name: volume:read, destructive: true}",
        "",
      ].join("\n"),
    });
    expect(await loadProblems(dir)).toEqual([
      'actions.yaml: actions[2].name: expected a unique action name, got "volume:read" again (first at actions[0])',
      'environments.yaml: environments[1].name: expected a unique environment name, got "staging" again (first at environments[0])',
    ]);
  });

  it("missing catalogue files, empty files, lists instead of mappings, bad file names, .yml files", async () => {
    const dir = await scopeDir({
      "environments.yaml": null,
      "actions.yaml": "- {name: volume:read, destructive: false}\n",
      "empty.yaml": "",
      "Bad Name.yaml": stagingScope(),
      "typo.yml": stagingScope(),
      "README.md": "not a scope",
    });
    expect(await loadProblems(dir)).toEqual([
      'Bad Name.yaml: (root): expected the file name to be a scope id of letters, digits, "-" or "_", got "Bad Name"',
      "actions.yaml: (root): expected a mapping with an `actions:` list, got a list",
      "empty.yaml: (root): expected a mapping with description, environment, agents, actions, resources and ttl, got nothing",
      "environments.yaml: (root): expected a file defining the environments, got nothing (the file is missing)",
      'typo.yml: (root): expected the extension ".yaml", got ".yml" (the file would be ignored)',
    ]);
  });

  it("a directory that does not exist", async () => {
    const dir = path.join(await scopeDir({}), "nope");
    const result = await loadScopeSet(dir);
    expect(result.ok ? [] : result.problems.map(formatProblem)).toEqual([
      `${dir}: (root): expected a directory of scope files, got nothing`,
    ]);
  });

  it("collects every problem across every file", async () => {
    const dir = await scopeDir({
      "one.yaml": stagingScope({ ttl: "ttl: {default: soon, max: later}" }),
      "two.yaml": stagingScope({ environment: "environment: nowhere", agents: "agents: []" }),
    });
    expect(await loadProblems(dir)).toEqual([
      'one.yaml: ttl.default: expected a duration like "1m", got "soon"',
      'one.yaml: ttl.max: expected a duration like "1m", got "later"',
      "two.yaml: agents: expected at least one agent glob",
      'two.yaml: environment: expected an environment from environments.yaml (staging, production), got "nowhere"',
    ]);
  });
});

describe("formatPath", () => {
  it("writes paths the way people write them", () => {
    expect(formatPath([])).toBe("(root)");
    expect(formatPath(["limits", 0, "per"])).toBe("limits[0].per");
    expect(formatPath(["ttl", "max"])).toBe("ttl.max");
    expect(formatPath(["approval", "actions", "volume:delete", "quorum"])).toBe(
      'approval.actions["volume:delete"].quorum',
    );
  });
});
