// MCP tool calls, judged by their arguments' payloads and by their names, both ways: each destructive call next to
// a harmless one that looks like it.
import { describe, expect, it } from "vitest";
import { loadSqlParser } from "../../src/guard/sql/postgres-parser.ts";
import { classifyToolCall, toolName } from "../../src/guard/tool-call.ts";

await loadSqlParser();

const judge = (name: string, input: unknown, env?: string) => classifyToolCall({ name, input }, { env });

describe("MCP tool calls", () => {
  it("names the server and the tool", () => {
    expect(toolName("mcp__postgres-prod__execute_sql")).toEqual({
      server: "postgres-prod",
      tool: "execute_sql",
    });
    expect(toolName("execute_sql")).toEqual({ server: "", tool: "execute_sql" });
  });

  const destructive: [string, unknown, string][] = [
    ["mcp__postgres__query", { sql: "DROP TABLE users" }, "table:delete"],
    ["mcp__supabase__execute_sql", { project_id: "p1", query: "DELETE FROM orders" }, "rows:delete"],
    ["mcp__db__run", { statements: ["BEGIN", "TRUNCATE events", "COMMIT"] }, "table:truncate"],
    ["mcp__mysql__mysql_query", { sqlQuery: "DROP DATABASE shop" }, "database:delete"],
    ["mcp__postgres__query", { sql: "/* cleanup */ DROP TABLE users" }, "table:delete"],
    ["mcp__clickhouse__run_query", { query: "-- nightly\nTRUNCATE TABLE events" }, "table:truncate"],
    ["mcp__shell__execute_command", { command: "rm -rf /srv/data" }, "file:delete"],
    ["mcp__shell__run", { command: "rm", args: ["-rf", "/srv/data"] }, "file:delete"],
    ["mcp__shell__run", { command: ["rm", "-rf", "/srv/data"] }, "file:delete"],
    ["mcp__fetch__request", { url: "https://api.example.com/v1/users/42", method: "delete" }, "user:delete"],
    [
      "mcp__http__send",
      {
        url: "https://api.example.com/v1/projects/42",
        method: "POST",
        headers: { "X-HTTP-Method-Override": "DELETE" },
      },
      "project:delete",
    ],
    [
      "mcp__fetch__fetch",
      { url: "https://api.example.com/v1/disks/9", options: { method: "DELETE" } },
      "volume:delete",
    ],
    ["mcp__github__delete_repository", { owner: "acme", repo: "api" }, "repository:delete"],
    [
      "mcp__aws__use_aws",
      { service_name: "s3", operation_name: "delete_bucket", parameters: { Bucket: "acme-uploads" } },
      "bucket:delete",
    ],
    ["mcp__rpc__call", { method: "users.delete", params: [42] }, "user:delete"],
    ["mcp__db__run", { params: JSON.stringify({ sql: "DROP TABLE users" }) }, "table:delete"],
    ["mcp__railway__volumeDelete", { volumeId: "v1" }, "volume:delete"],
    ["mcp__hasura__update_users", { where: {}, _set: { active: false } }, "user:update"],
    ["mcp__github__update_ref", { ref: "heads/main", sha: "abc", force: true }, "ref:force-update"],
    ["mcp__jupyter__run_code", { code: "import shutil; shutil.rmtree('/srv/data')", language: "python" }, ""],
    ["mcp__graphql__execute", { query: "mutation { deleteProject(id: 7) { id } }" }, "project:delete"],
  ];
  for (const [name, input, action] of destructive)
    it(`finds ${name} ${JSON.stringify(input)} destructive`, () => {
      const c = judge(name, input);
      expect(c.destructive, c.reasons.join("; ")).toBe(true);
      expect(c.decision).not.toBe("allow");
      if (action) expect(c.actions).toContain(action);
    });

  it("denies switching a safety net off, whatever the tool is called", () => {
    const c = judge("mcp__neon__update_project", { projectId: "p", settings: { pitr: false } });
    expect(c.decision).toBe("deny");
  });

  const harmless: [string, unknown][] = [
    ["mcp__postgres__query", { sql: "SELECT * FROM users WHERE id = 1" }],
    ["mcp__postgres__query", { sql: "BEGIN; DROP TABLE users; ROLLBACK" }],
    ["mcp__postgres__list_tables", { schema: "public" }],
    ["mcp__github__search_code", { query: "drop table users" }],
    ["mcp__docs__search", { query: "DELETE FROM orders WHERE id = $1" }],
    ["mcp__github__create_issue", { title: "Delete the old users table", body: "rm -rf cache/ later" }],
    ["mcp__shell__execute_command", { command: "git status" }],
    ["mcp__fetch__fetch", { url: "https://example.com/delete-account-help" }],
    ["mcp__fetch__request", { url: "https://api.example.com/v1/users/42", method: "GET" }],
    ["mcp__sentry__query_events", { query: "is:unresolved level:error" }],
    ["mcp__hasura__update_users", { where: { id: { _eq: 1 } }, _set: { active: false } }],
    ["mcp__cache__clear_cache", { key: "homepage" }],
    ["mcp__aws__use_aws", { service_name: "s3", operation_name: "list_buckets", parameters: {} }],
    ["mcp__rpc__call", { method: "users.get", params: [42] }],
    ["mcp__notes__save", { text: '{"note": "drop table users tomorrow"}' }],
  ];
  for (const [name, input] of harmless)
    it(`finds ${name} ${JSON.stringify(input)} harmless`, () => {
      const c = judge(name, input, "staging");
      expect(c.destructive, c.reasons.join("; ")).toBe(false);
    });

  it("asks about code in a language it cannot tell, and about arguments too deep to read", () => {
    const code = judge("mcp__ide__executeCode", { code: "do_things()" });
    expect(code.uncertain).toBe(true);
    let deep: unknown = { sql: "DROP TABLE users" };
    for (let i = 0; i < 20; i++) deep = { nested: deep };
    const c = judge("mcp__db__run", deep);
    expect(c.uncertain).toBe(true);
  });

  it("reads the environment from the arguments and the server's name", () => {
    expect(
      judge("mcp__pg__query", { dsn: "postgres://prod-db.internal/app", sql: "SELECT 1" }).environment,
    ).toBe("production");
    const elsewhere = judge("mcp__postgres-production__query", { sql: "SELECT 1" }, "staging");
    expect(elsewhere.decision, elsewhere.reasons.join("; ")).toBe("deny");
    expect(elsewhere.reasons[0]).toContain("environment_mismatch");
  });
});
