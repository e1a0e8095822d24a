// MCP tool calls, judged by their arguments' payloads and by their names, both ways: each destructive call next to
// a harmless one that looks like it.
import { describe, expect, it } from "vitest";
import { classifyToolCall } from "../../src/guard/classifier.ts";
import { cursorAction } from "../../src/guard/hooks.ts";
import { loadSqlParser } from "../../src/guard/sql/postgres-parser.ts";
import { toolName } from "../../src/guard/tool-call.ts";

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
    // Command fields as servers spell them: awslabs' call_aws takes `cli_command`; lists of commands.
    ["mcp__aws__call_aws", { cli_command: "aws s3 rb s3://acme-uploads --force" }, "bucket:delete"],
    ["mcp__shell__run", { commands: ["ls", "rm -rf /srv/data"] }, "file:delete"],
    // SQL fields as servers spell them: neon's run_sql_transaction takes `sqlStatements`.
    ["mcp__neon__run_sql_transaction", { params: { sqlStatements: ["DROP TABLE users"] } }, "table:delete"],
    ["mcp__db__execute", { stmt: "DROP TABLE users" }, "table:delete"],
    ["mcp__db__execute", { q: "DROP TABLE users" }, "table:delete"],
    ["mcp__pg__query", { query: ";DROP TABLE users" }, "table:delete"],
    // Arguments sent as JSON text, or as a list, rather than as an object.
    ["mcp__db__run", JSON.stringify({ sql: "DROP TABLE users" }), "table:delete"],
    ["mcp__db__run", [{ sql: "DROP TABLE users" }], "table:delete"],
    // A CLI's tool given only its arguments.
    ["mcp__docker__docker", { args: ["volume", "rm", "pgdata"] }, ""],
    ["mcp__k8s__kubectl", { args: ["delete", "namespace", "payments"] }, ""],
    // What a tool types into a running process or REPL runs there.
    ["mcp__desktop-commander__interact_with_process", { pid: 7, input: "DROP TABLE users;" }, "table:delete"],
    ["mcp__tmux__send_keys", { keys: "rm -rf /srv/data" }, "file:delete"],
    // MongoDB: runCommand's first key names the command; an aggregation's $out replaces a collection.
    ["mcp__mongodb__run_command", { command: { dropDatabase: 1 } }, ""],
    ["mcp__mongodb__aggregate", { pipeline: [{ $match: {} }, { $out: "users" }] }, "collection:overwrite"],
    ["mcp__neo4j__write_neo4j_cypher", { query: "MATCH (n) DETACH DELETE n" }, "node:delete"],
    // File tools read as the shell command that does the same.
    ["mcp__filesystem__move_file", { source: "/tmp/x.db", destination: "/srv/app/prod.db" }, ""],
    ["mcp__filesystem__write_file", { path: "/srv/app/data.sqlite", content: "" }, ""],
    ["mcp__filesystem__edit_file", { path: "/srv/app/data.sqlite", edits: [] }, ""],
    [
      "mcp__fs__replace_in_file",
      { file_path: "/var/lib/postgresql/16/main/PG_VERSION", old: "a", new: "b" },
      "",
    ],
    // Notebook cells are Python, and IPython's shell escapes run shell commands.
    ["mcp__jupyter__execute_code", { code: "!rm -rf /srv/data" }, "file:delete"],
    [
      "mcp__jupyter__insert_execute_code_cell",
      { cell_index: 1, cell_source: "%%bash\nrm -rf /srv/data" },
      "",
    ],
    [
      "mcp__jupyter__append_execute_code_cell",
      { cell_source: "import shutil\nshutil.rmtree('/srv/data')" },
      "",
    ],
    // A destructive mode switched on, `force` spelt as text, an operation name with a stray space.
    ["mcp__terraform__apply", { destroy: true }, ""],
    ["mcp__github__update_ref", { ref: "heads/main", sha: "abc", force: "true" }, "ref:force-update"],
    [
      "mcp__aws__use_aws",
      { service_name: "s3", operation_name: " delete_bucket", parameters: {} },
      "bucket:delete",
    ],
    [
      "mcp__http__request",
      { url: "https://api.example.com/v1/users/42", httpMethod: "DELETE" },
      "user:delete",
    ],
    // Verbs glued to their object, and filesystem verbs.
    ["mcp__x__deleteitem", { id: 1 }, ""],
    ["mcp__fs__rmdir", { path: "/srv/data" }, ""],
    ["mcp__fs__unlink", { path: "/srv/data/x" }, ""],
    ["mcp__redis__hdel", { name: "sessions", key: "k" }, ""],
    // SQL in a field of any name, for a tool that runs SQL; base64-encoded payloads.
    ["mcp__db__execute", { text: "DROP TABLE users" }, "table:delete"],
    ["mcp__x__execute_sql", { input: "/* x */ DELETE FROM users" }, "rows:delete"],
    ["mcp__db__execute", { sql_base64: Buffer.from("DROP TABLE users").toString("base64") }, "table:delete"],
    // Gateways that call another tool by name.
    [
      "mcp__hub__call_tool",
      { server_name: "github", tool_name: "delete_repository", arguments: { owner: "a", repo: "b" } },
      "repository:delete",
    ],
    ["mcp__metatool__call_tool", { name: "drop_table", arguments: { table: "users" } }, ""],
    [
      "mcp__composio__multi_execute",
      { tools: [{ tool_slug: "GITHUB_DELETE_A_REPOSITORY", arguments: { owner: "a", repo: "b" } }] },
      "",
    ],
    // A subcommand or verb named in its own field.
    ["mcp__terraform__terraform", { subcommand: "destroy", auto_approve: true }, ""],
    ["mcp__k8s__kubectl", { verb: "delete", resource: "namespace", name: "payments" }, ""],
    [
      "mcp__aws__use_aws",
      { service: "s3", apiName: "DeleteBucket", params: { Bucket: "b" } },
      "bucket:delete",
    ],
    ["mcp__k8s__cleanup_pods", { namespace: "jobs", all: true }, ""],
    ["mcp__mail__empty_trash", {}, ""],
    // A protection or the server's own guard switched off, however the setting is spelt.
    ["mcp__desktop-commander__set_config_value", { key: "blockedCommands", value: [] }, ""],
    // An empty MongoDB filter matches every document.
    ["mcp__mongodb__update-many", { collection: "users", filter: {}, update: { $set: { x: 1 } } }, ""],
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
    for (const [name, input] of [
      ["mcp__dynamodb__update_table", { TableName: "t", DeletionProtectionEnabled: false }],
      ["mcp__rds__modify_db_instance", { DBInstanceIdentifier: "x", DeletionProtection: false }],
      ["mcp__x__update_settings", { settings: { deletion_protection: false } }],
      ["mcp__x__set_config", { key: "deletion_protection", value: "off" }],
      ["mcp__x__disableDeletionProtection", { id: "x" }],
    ] as const) {
      const off = judge(name, input);
      expect(off.decision, `${name} ${off.reasons.join("; ")}`).toBe("deny");
    }
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
    ["mcp__aws__call_aws", { cli_command: "aws s3 ls" }],
    ["mcp__shell__run", { commands: ["ls", "git status"] }],
    ["mcp__db__run", JSON.stringify({ sql: "SELECT 1" })],
    ["mcp__k8s__kubectl", { args: ["get", "pods"] }],
    ["mcp__docker__run_container", { image: "alpine", args: ["rm", "-rf", "/tmp/x"] }],
    ["mcp__desktop-commander__interact_with_process", { pid: 7, input: "SELECT 1;" }],
    ["mcp__slack__post_message", { channel: "c", text: "DROP TABLE users is scary" }],
    ["mcp__mongodb__run_command", { command: { find: "users", filter: {} } }],
    ["mcp__mongodb__aggregate", { pipeline: [{ $match: {} }, { $group: { _id: "$x" } }] }],
    ["mcp__neo4j__write_neo4j_cypher", { query: "MERGE (u:User {id: 1}) SET u.name = 'a'" }],
    ["mcp__neo4j__read_neo4j_cypher", { query: "MATCH (n:User) RETURN n LIMIT 5" }],
    ["mcp__filesystem__move_file", { source: "/tmp/a.txt", destination: "/tmp/b.txt" }],
    ["mcp__filesystem__write_file", { path: "src/app.ts", content: "export const x = 1;" }],
    ["mcp__filesystem__edit_file", { path: "src/app.ts", edits: [{ oldText: "a", newText: "b" }] }],
    ["mcp__filesystem__create_directory", { path: "/srv/app/data" }],
    [
      "mcp__jupyter__append_execute_code_cell",
      { cell_source: "import pandas as pd\n!ls -la\npd.__version__" },
    ],
    ["mcp__terraform__apply", { destroy: false }],
    ["mcp__x__list_deleted_items", {}],
    ["mcp__x__get_deletion_status", { id: 1 }],
    ["mcp__digitalocean__list_droplets", {}],
    ["mcp__browserbase__stagehand_act", { action: "click the delete button" }],
    ["mcp__stripe__create_coupon", { code: "SAVE10", percent_off: 10 }],
    ["mcp__http__request", { url: "https://api.example.com/v1/users/42", http_method: "GET" }],
    ["mcp__redis__hget", { name: "sessions", key: "k" }],
    ["mcp__db__execute", { text: "SELECT 1" }],
    ["mcp__db__describe_table", { table: "users", note: "delete from users is rare" }],
    ["mcp__x__translate", { text: "DROP TABLE users" }],
    ["mcp__db__execute", { sql_base64: Buffer.from("SELECT 1").toString("base64") }],
    ["mcp__hub__call_tool", { server_name: "github", tool_name: "list_issues", arguments: { owner: "a" } }],
    ["mcp__composio__multi_execute", { tools: [{ tool_slug: "GITHUB_LIST_REPOSITORIES", arguments: {} }] }],
    ["mcp__x__create_entity", { name: "delete_button", type: "component" }],
    ["mcp__mongodb__update-many", { collection: "users", filter: { id: 1 }, update: { $set: { x: 1 } } }],
    ["mcp__mongodb__find", { collection: "users", filter: {} }],
    ["mcp__x__list_cleanup_jobs", {}],
    ["mcp__terraform__terraform", { subcommand: "plan" }],
    ["mcp__k8s__kubectl", { verb: "get", resource: "pods" }],
    ["mcp__x__get_empty_slots", {}],
    ["mcp__desktop-commander__set_config_value", { key: "defaultShell", value: "bash" }],
    ["mcp__desktop-commander__set_config_value", { key: "blockedCommands", value: ["rm", "mkfs"] }],
    ["mcp__x__update_settings", { settings: { deletion_protection: true } }],
    ["mcp__supabase__execute_sql", { project_id: "p", query: "select 1", read_only: true }],
    ["mcp__playwright__browser_run_code", { code: "async (page) => { await page.click('text=Next'); }" }],
  ];
  for (const [name, input] of harmless)
    it(`finds ${name} ${JSON.stringify(input)} harmless`, () => {
      const c = judge(name, input, "staging");
      expect(c.destructive, c.reasons.join("; ")).toBe(false);
    });

  it("asks about reading credentials through a tool as through the shell: files, and the machine's own from its metadata service", () => {
    const exposes = (name: string, input: unknown) => {
      const r = judge(name, input);
      return r.uncertain && r.reasons.some((reason) => reason.startsWith("secret_exposure"));
    };
    for (const [name, input] of [
      ["mcp__filesystem__read_file", { path: "/home/dev/.aws/credentials" }],
      ["mcp__filesystem__read_text_file", { path: "/repo/.env.production" }],
      ["mcp__filesystem__read_multiple_files", { paths: ["src/app.ts", "/home/dev/.ssh/id_ed25519"] }],
      ["mcp__fetch__fetch", { url: "http://169.254.169.254/latest/meta-data/iam/security-credentials/app" }],
      [
        "mcp__puppeteer__puppeteer_navigate",
        { url: "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token" },
      ],
      [
        "mcp__http__request",
        { method: "GET", url: "http://2852039166/latest/meta-data/iam/security-credentials/" },
      ],
      // The URL in pieces the tool joins, or with a tab a browser drops.
      [
        "mcp__http__request",
        { baseUrl: "http://169.254.169.254/latest/meta-data/iam/", path: "security-credentials/app" },
      ],
      ["mcp__http__get", { host: "169.254.170.2", path: "/v2/credentials/6a3f" }],
      [
        "mcp__playwright__browser_navigate",
        { url: "http://169.254.169.254/latest/meta-data/iam/security-cred\tentials/" },
      ],
    ] as const)
      expect(exposes(name, input), `${name} ${JSON.stringify(input)}`).toBe(true);
    for (const [name, input] of [
      ["mcp__filesystem__read_file", { path: "/repo/src/app.ts" }],
      ["mcp__filesystem__read_multiple_files", { paths: ["src/app.ts", ".env.example"] }],
      ["mcp__fetch__fetch", { url: "http://169.254.169.254/latest/meta-data/instance-id" }],
      ["mcp__fetch__fetch", { url: "https://docs.example.com/credentials/rotation" }],
      [
        "mcp__github__create_issue",
        { title: "IMDS", body: "reading /latest/meta-data/iam/security-credentials/ fails" },
      ],
    ] as const)
      expect(exposes(name, input), `${name} ${JSON.stringify(input)}`).toBe(false);
  });

  it("asks about code in a language it cannot tell, and about arguments too deep to read", () => {
    const code = judge("mcp__ide__executeCode", { code: "do_things()" });
    expect(code.uncertain).toBe(true);
    let deep: unknown = { sql: "DROP TABLE users" };
    for (let i = 0; i < 20; i++) deep = { nested: deep };
    const c = judge("mcp__db__run", deep);
    expect(c.uncertain).toBe(true);
    const wide = judge(
      "mcp__x__update_thing",
      Object.fromEntries(Array.from({ length: 5000 }, (_, i) => [`k${i}`, "v"])),
    );
    expect(wide.uncertain).toBe(true);
    const nestedText = judge("mcp__db__run", { params: `${"[".repeat(100_000)}${"]".repeat(100_000)}` });
    expect(nestedText.uncertain).toBe(true);
    let tooDeepToShow: unknown = {};
    for (let i = 0; i < 50_000; i++) tooDeepToShow = { a: tooDeepToShow };
    expect(judge("mcp__x__update_thing", tooDeepToShow).uncertain).toBe(true);
    for (const input of [42, "not json"]) expect(judge("mcp__db__run", input).uncertain).toBe(true);
  });

  it("reads rich documents to the end without asking", () => {
    const cell = (text: string) => [{ type: "text", text: { content: text } }];
    const row = { type: "table_row", table_row: { cells: [cell("a"), cell("b")] } };
    const table = {
      type: "table",
      table: { table_width: 2, children: Array.from({ length: 100 }, () => row) },
    };
    const c = judge("mcp__notion__append_block_children", { block_id: "b", children: [table] }, "staging");
    expect(c.uncertain, c.reasons.join("; ")).toBe(false);
    expect(c.decision).toBe("allow");
  });

  it("reads Cursor's MCP events, and asks about one without a tool name", () => {
    expect(
      cursorAction({ hook_event_name: "beforeMCPExecution", tool_name: "run", tool_input: "{}" }),
    ).toEqual({
      toolCall: { name: "run", input: {} },
    });
    expect(() =>
      cursorAction({
        hook_event_name: "beforeMCPExecution",
        toolName: "run",
        command: "npx some-mcp-server",
      }),
    ).toThrow(/tool_name/);
    expect(() =>
      cursorAction({ tool_input: '{"sql": "DROP TABLE users"}', command: "npx pg-mcp" }),
    ).toThrow();
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
