// GET /v1/audit and `leash audit tail/export`: every chain merged by time, filters, cursors, who may read.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { api, mintToken, startTestBroker, type TestBroker } from "../helpers/broker.ts";
import { runCli, startCli } from "../helpers/cli.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
const production = (path: string) => `railway:prj_demo/env/production/${path}`;
const start = Date.UTC(2026, 10, 25, 12, 0, 0);
const clock = new ManualClock(start);
let test: TestBroker;
let stagingTask: string;
let productionTask: string;

type Row = Record<string, string>;

const audit = (query = "", key = test.keys.security) =>
  api<{ records: Row[]; next_cursor: string | null; code?: string }>(test.url, "GET", `/v1/audit${query}`, {
    key,
  });

/** Every page of a query, following next_cursor. */
async function all(query: string, limit: number): Promise<Row[]> {
  const rows: Row[] = [];
  let cursor: string | null = null;
  do {
    const separator = query ? "&" : "?";
    const page = await audit(
      `${query}${separator}limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`,
    );
    expect(page.status).toBe(200);
    rows.push(...page.body.records);
    cursor = page.body.next_cursor;
  } while (cursor);
  return rows;
}

beforeAll(async () => {
  test = await startTestBroker({ clock });
  const tick = () => clock.advance(1000);
  await api(test.url, "POST", "/v1/agents", { key: test.keys.admin, body: { id: "agent-2", scopes: ["*"] } });
  tick();
  const s = await mintToken(test, { scope: "staging-fix", task: { id: "task-s", intent: "fix staging" } });
  stagingTask = s.task;
  tick();
  const p = await mintToken(test, {
    scope: "production-read",
    task: { id: "task-p", intent: "look at prod" },
  });
  productionTask = p.task;
  for (let i = 0; i < 6; i++) {
    tick();
    await api(test.url, "POST", "/v1/authorize", {
      body: { token: s.token, action: i % 2 ? "volume:read" : "backup:delete", resource: staging(`v${i}`) },
    });
    await api(test.url, "POST", "/v1/authorize", {
      body: { token: p.token, action: "volume:read", resource: production(`v${i}`) },
    });
  }
});
afterAll(() => test.close());

describe("GET /v1/audit", () => {
  it("merges every chain in time order, and pages through them with a cursor, each record once", async () => {
    const everything = (await audit("?limit=1000")).body.records;
    // agent.create, 2 mints, 12 authorize decisions.
    expect(everything).toHaveLength(15);
    expect(new Set(everything.map((r) => r.chain))).toEqual(
      new Set(["global", "env:staging", "env:production"]),
    );
    const times = everything.map((r) => Date.parse(r.time!));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    for (const limit of [1, 2, 4, 7]) {
      const paged = await all("", limit);
      expect(paged.map((r) => `${r.chain}/${r.id}`)).toEqual(everything.map((r) => `${r.chain}/${r.id}`));
    }
    const newestFirst = await all("?order=desc", 3);
    const key = (r: { chain?: string; id?: string }) => `${r.chain}/${r.id}`;
    expect(newestFirst.map(key)).toEqual(everything.map(key).reverse());
    // Records carry their seq, not hashes: seals chain them (docs/audit.md).
    expect(
      everything.every((r) => /^\d+$/.test(r.seq!) && r.hash === undefined && r.prev === undefined),
    ).toBe(true);
  });

  it("filters by task, agent, environment, decision, event and time", async () => {
    const byTask = await all(`?task=${stagingTask}`, 2);
    expect(byTask).toHaveLength(7);
    expect(byTask.every((r) => r.task === stagingTask && r.environment === "staging")).toBe(true);
    expect(await all("?agent=agent-1", 5)).toHaveLength(14);
    expect(await all("?agent=agent-2", 5)).toEqual([
      expect.objectContaining({ event: "agent.create", actor: "human:admin", resource: "agent:agent-2" }),
    ]);
    const production = await all("?environment=production", 3);
    expect(production.map((r) => r.task)).toEqual(Array(7).fill(productionTask));
    const denials = await all("?decision=deny", 2);
    expect(denials.map((r) => r.reason)).toEqual(Array(3).fill("action_not_granted"));
    expect(denials.every((r) => r.action === "backup:delete" && r.actor === "agent:agent-1")).toBe(true);
    expect(await all("?event=token", 5)).toHaveLength(2);
    expect(await all("?event=token.mint&decision=allow", 5)).toHaveLength(2);
    const window = await all(
      `?from=${new Date(start + 3000).toISOString()}&to=${start + 4000}&environment=staging`,
      10,
    );
    expect(window.map((r) => r.time)).toEqual([
      new Date(start + 3000).toISOString(),
      new Date(start + 4000).toISOString(),
    ]);
  });

  it("is for security and admins only, and refuses bad input with a reason", async () => {
    expect((await audit("", test.keys.admin)).status).toBe(200);
    expect((await audit("", test.keys.approver)).status).toBe(403);
    expect((await audit("", test.keys.agent)).status).toBe(403);
    expect((await api(test.url, "GET", "/v1/audit")).status).toBe(401);
    const badCursor = await audit("?cursor=nonsense");
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.code).toBe("invalid_cursor");
    const ascCursor = (await audit("?limit=1")).body.next_cursor!;
    expect((await audit(`?order=desc&cursor=${ascCursor}`)).body.code).toBe("invalid_cursor");
    expect((await audit("?from=yesterday")).status).toBe(400);
    expect((await audit("?limit=0")).status).toBe(400);
  });
});

describe("GET /v1/audit/seals and leash audit seals", () => {
  it("pages through one chain's seals; the CLI prints them as JSON lines, or only the newest", async () => {
    await test.broker.auditSealer.runOnce();
    await test.broker.auditSealer.runOnce();
    const seals = (chain: string, query = "", key = test.keys.security) =>
      api<{ seals: Row[]; next_after: string | null }>(
        test.url,
        "GET",
        `/v1/audit/seals?chain=${chain}${query}`,
        {
          key,
        },
      );
    const staging = await seals("env:staging");
    expect(staging.status).toBe(200);
    expect(staging.body.seals.length).toBeGreaterThan(0);
    expect(staging.body.seals[0]).toMatchObject({
      chain: "env:staging",
      from_seq: "1",
      prev: "0".repeat(64),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    });
    expect(staging.body.next_after).toBeNull();
    const first = await seals("global", "&limit=1");
    expect(first.body.next_after).toBe(first.body.seals[0]!.id);
    expect((await seals("global", `&after=${first.body.next_after}`)).body.seals).toEqual([]);
    expect((await seals("env:staging", "", test.keys.agent)).status).toBe(403);
    expect((await seals("env:{x}")).status).toBe(400);

    const env = { LEASH_URL: test.url, LEASH_HUMAN_KEY: test.keys.security };
    const latest = await runCli(["audit", "seals", "--chain", "env:staging", "--latest", "--json"], { env });
    expect(latest.code, latest.stderr).toBe(0);
    const all = await runCli(["audit", "seals", "--chain", "env:staging", "--json"], { env });
    const lines = all.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    expect(lines).toEqual(staging.body.seals);
    expect(JSON.parse(latest.stdout)).toEqual(lines[lines.length - 1]);
    const text = await runCli(["audit", "seals", "--chain", "env:staging"], { env });
    const last = lines[lines.length - 1];
    expect(text.stdout.trim().split("\n")).toHaveLength(lines.length);
    expect(text.stdout).toContain(`env:staging  seq ${last.from_seq}..${last.to_seq}  ${last.count} records`);
  });
});

describe("leash audit tail and export", () => {
  const env = () => ({ LEASH_URL: test.url, LEASH_HUMAN_KEY: test.keys.security });

  it("export --jsonl prints every record once, merged by time", async () => {
    const result = await runCli(["audit", "export", "--jsonl"], { env: env() });
    expect(result.code, result.stderr).toBe(0);
    const lines = result.stdout
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line));
    const everything = (await audit("?limit=1000")).body.records;
    expect(lines).toEqual(everything);
  });

  it("tail prints the latest records; tail -f keeps printing new ones", async () => {
    const tail = await runCli(["audit", "tail", "-n", "3", "--environment", "production"], { env: env() });
    expect(tail.code, tail.stderr).toBe(0);
    const lines = tail.stdout.trim().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[2]).toMatch(
      /env:production {2}authorize volume:read \S+ {2}agent:agent-1 {2}allow ok {2}task=task-p/,
    );

    const follow = await startCli(["audit", "tail", "-f", "-n", "1", "--interval", "100", "--json"], {
      env: env(),
    });
    try {
      expect(JSON.parse(follow.firstLine)).toMatchObject({ event: "authorize" });
      const next = new Promise<string>((resolve) => {
        let buffered = "";
        follow.child.stdout!.on("data", (chunk) => {
          buffered += chunk;
          if (buffered.includes("\n")) resolve(buffered.split("\n")[0]!);
        });
      });
      clock.advance(1000);
      await api(test.url, "POST", "/v1/revocations", {
        key: test.keys.security,
        body: { task: stagingTask, reason: "tail test" },
      });
      expect(JSON.parse(await next)).toMatchObject({ event: "revocation", reason: "tail test" });
    } finally {
      await follow.stop();
    }
  });
});
