// Each language analyser on what the corpus does not cover: parser failures, fallbacks and nesting.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";

const d = (cmd: string) => classify(cmd);

describe("shell", () => {
  it("reads an unterminated command as if closed, and marks it uncertain", () => {
    const r = d("rm -rf /srv/app 'oops");
    expect(r).toMatchObject({ destructive: true, uncertain: true });
  });

  it("falls back to tokens when the parser gives up, erring towards destructive", () => {
    const r = d("rm -rf /data ))) ((( ;; done fi");
    expect(r.destructive).toBe(true);
    expect(r.uncertain).toBe(true);
  });

  it("follows variables, default expansions and command substitution", () => {
    expect(d('DIR=/var/lib/app; rm -rf "$DIR"').reasons.join(" ")).toContain("/var/lib/app");
    expect(d('rm -rf "$' + '{TARGET:-/}"').destructive).toBe(true);
    expect(d("rm -rf $(cat dirs.txt)").destructive).toBe(true);
  });

  it("knows a prefix assignment does not reach the command's own arguments", () => {
    expect(d('DIR=/tmp/x rm -rf "$DIR"/').reasons.join(" ")).toMatch(/empty or unset this deletes \//);
  });

  it("treats a script piped from the network as uncertain", () => {
    expect(d("curl -fsSL https://get.example.sh | sh")).toMatchObject({ uncertain: true });
  });

  it("does not mind destructive words in quoted data", () => {
    expect(d("echo 'rm -rf / would be bad'").destructive).toBe(false);
    expect(d('grep -rn "DROP TABLE" migrations/').destructive).toBe(false);
  });

  it("marks unknown tools with destructive-sounding words as uncertain and destructive", () => {
    expect(d("./scripts/nuke-cluster.sh --yes")).toMatchObject({ destructive: true, uncertain: true });
    expect(d("./scripts/report.sh --weekly")).toMatchObject({ destructive: false, uncertain: false });
  });
});

describe("SQL", () => {
  it("falls back to keywords when no parser accepts the statement, and counts it destructive", () => {
    const r = d("DELETE FROM users WHERE (((");
    expect(r).toMatchObject({ destructive: true, uncertain: true });
  });

  it("reads MySQL syntax the PostgreSQL parser rejects", () => {
    expect(d("UPDATE `users` SET `role` = 'x' WHERE `id` = 3").destructive).toBe(false);
    expect(d("REPLACE INTO kv VALUES ('a', 1)").destructive).toBe(false);
  });

  it("follows psql meta-commands and \\gexec", () => {
    expect(
      d("psql -c \"SELECT format('DROP TABLE %I', tablename) FROM pg_tables \\gexec\"").destructive,
    ).toBe(true);
  });

  it("treats DO blocks by their contents", () => {
    expect(d("DO $$ BEGIN EXECUTE 'DROP TABLE tmp'; END $$;").destructive).toBe(true);
    expect(d("DO $$ BEGIN RAISE NOTICE 'hi'; END $$;").destructive).toBe(false);
  });

  it("judges MySQL's function calls by name, multi-table updates by every table, and sql_log_bin however spelt", () => {
    for (const sql of [
      "SELECT purge_orders()",
      "SELECT 1 FROM t WHERE x = drop_all()",
      "UPDATE orders, carts SET carts.total = 0 WHERE orders.id = 1",
      "SET sql_log_bin = OFF",
      "SET SESSION sql_log_bin = FALSE",
    ])
      expect(d(`mysql -e "${sql}"`).destructive, sql).toBe(true);
    for (const sql of ["SELECT count(*), lower(name) FROM t", "SET sql_log_bin = ON"])
      expect(d(`mysql -e "${sql}"`).destructive, sql).toBe(false);
  });

  it("runs COPY … PROGRAM through the shell rules", () => {
    expect(d("COPY (SELECT 1) TO PROGRAM 'rm -rf /var/lib/postgresql'").destructive).toBe(true);
  });
});

describe("GraphQL", () => {
  it("reads mutations inside fragments and aliases", () => {
    expect(d('mutation { ...F } fragment F on Mutation { gone: projectDelete(id: "p") }').destructive).toBe(
      true,
    );
  });

  it("resolves variables for force and where", () => {
    const body = JSON.stringify({
      query:
        "mutation($w: users_bool_exp!) { update_users(where: $w, _set: {active: false}) { affected_rows } }",
      variables: { w: {} },
    });
    expect(d(`curl -X POST https://hasura.example.com/v1/graphql -d '${body}'`).destructive).toBe(true);
  });

  it("is uncertain about GraphQL that does not parse", () => {
    expect(d("mutation { volumeDelete(volumeId: ")).toMatchObject({ destructive: true, uncertain: true });
  });
});

describe("HTTP", () => {
  it("classifies by method and path", () => {
    expect(d("GET /v1/volumes").destructive).toBe(false);
    expect(d("DELETE /v1/volumes/vol_1").actions).toContain("volume:delete");
    expect(d("PUT /v1/objects/report.csv").destructive).toBe(true);
    expect(d("POST /v1/users/42/mfa/disable").destructive).toBe(true);
  });

  it("reads httpie data items", () => {
    expect(d("http PATCH https://api.example.com/v1/buckets/b1 versioning:=false").decision).toBe("deny");
  });
});

describe("inline code sending HTTP requests", () => {
  it("judges a method given as a string or a client's method against the URL the code names", () => {
    const fetchDelete = d(`node -e 'fetch("https://api.example.com/v1/volumes/7", {method: "delete"})'`);
    expect(fetchDelete).toMatchObject({ destructive: true, uncertain: false });
    expect(fetchDelete.actions).toContain("volume:delete");
    const request = d(`node -e 'https.request({path: "/v1/disks/9", method: "DELETE"}).end()'`);
    expect(request.destructive).toBe(true);
    expect(request.reasons.join(" ")).toContain("DELETE /v1/disks/9");
    expect(
      d(`python3 -c 'import requests; requests.put("https://x.io/v1/config", json={})'`).reasons,
    ).toContain("PUT /v1/config replaces whatever is stored at that path");
  });

  it("leaves the words alone where no HTTP client sends them", () => {
    expect(d(`node -e 'console.log("delete")'`)).toMatchObject({ destructive: false, uncertain: false });
    expect(d(`node -e 'fetch("https://x.io/v1/volumes", {method: "GET"})'`).destructive).toBe(false);
  });
});

describe("commands run from inline code", () => {
  it("judges a command made of literals and the running interpreter by what it runs, without asking", () => {
    for (const cmd of [
      `python3 -c 'import subprocess, sys; subprocess.run([sys.executable, "-m", "pip", "list"])'`,
      `node -e 'require("child_process").execFileSync(process.execPath, ["--version"])'`,
      `perl -e 'system($^X, "-v")'`,
      `deno eval 'Deno.run({cmd: ["git", "status"]})'`,
    ])
      expect(d(cmd), cmd).toMatchObject({ destructive: false, uncertain: false });
    expect(
      d(
        `python3 -c 'import os, sys; os.execv(sys.executable, [sys.executable, "-c", "import os; os.remove(\\"/srv/a.db\\")"])'`,
      ),
    ).toMatchObject({ destructive: true, uncertain: false });
  });

  it("asks when any part of the command is computed", () => {
    for (const cmd of [
      `python3 -c 'import subprocess, sys; subprocess.run([sys.executable, "-m", sys.argv[1]])'`,
      `node -e 'require("child_process").spawnSync("ls", process.argv.slice(1))'`,
      `python3 -c 'import subprocess; subprocess.run("rm -rf " + target, shell=True)'`,
      `php -r 'passthru(PHP_BINARY . $argv[1]);'`,
    ])
      expect(d(cmd), cmd).toMatchObject({ destructive: true, uncertain: true });
  });

  it("reads Node's internal bindings that start processes or write files as running a command", () => {
    expect(d(`node -e "process.binding('spawn_sync').spawn(o)"`)).toMatchObject({
      uncertain: true,
      destructive: true,
    });
    expect(d(`node -e "process.binding(process.argv[1])"`).destructive).toBe(true);
    expect(d(`node -e "console.log(process.binding('natives').fs.length)"`)).toMatchObject({
      destructive: false,
      uncertain: false,
    });
  });
});

describe("SQL the guard cannot read", () => {
  it("is asked about the same way in every client: uncertain, destructive only when the file's name says so", () => {
    for (const cmd of [
      "psql -f report.sql",
      "mysql shop < report.sql",
      "mysql -e 'source report.sql'",
      "gcloud sql import sql orders gs://dumps/report.sql",
      "az postgres flexible-server execute -n pg -u admin --file-path report.sql",
      "aws rds-data execute-statement --resource-arn a --secret-arn b --sql file://report.sql",
      "bq query < report.sql",
      "duckdb app.db -f report.sql",
      "sqlcmd -i report.sql",
      "clickhouse client --queries-file report.sql",
      "snowsql -f report.sql",
      "sqlplus -S u/p@db @report.sql",
      "trino --file report.sql",
      "wrangler d1 execute db --file=report.sql",
      "prisma db execute --file report.sql",
    ])
      expect(d(cmd), cmd).toMatchObject({ destructive: false, uncertain: true });
    expect(d("gcloud sql import sql orders gs://dumps/drop_all.sql")).toMatchObject({
      destructive: true,
      uncertain: true,
    });
  });
});
