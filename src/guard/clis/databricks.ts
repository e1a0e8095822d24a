// Databricks: the `databricks` CLI read by its verbs (`fs rm`, `clusters permanent-delete`, `workspace delete`), its
// copies and imports over existing files and secrets, and the REST calls and SQL statements `databricks api` sends;
// the Databricks SQL CLI's `dbsqlcli -e`.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import type { CommandTable, Invocation } from "../command.ts";
import { unreadableCode } from "../unreadable-code.ts";
import { unseenSql, valueFile } from "../unseen-sql.ts";
import { DESTRUCTIVE_VERBS } from "../vocabulary.ts";
import { secretWrite } from "./secret-writes.ts";
import { type VerbCall, verbCli } from "./verb-cli.ts";

/** `/api/2.0/sql/statements`: the Statement Execution API, which runs the `statement` its body holds. */
const STATEMENTS_PATH = /^\/?api\/[\d.]+\/sql\/statements\/?$/;

/** A `"statement": "…"` field in a JSON body, with its escapes undone. */
function statementIn(body: string): string | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    if (parsed && typeof parsed === "object" && "statement" in parsed) {
      const statement = (parsed as { statement: unknown }).statement;
      return typeof statement === "string" ? statement : undefined;
    }
  } catch {
    return undefined;
  }
  return undefined;
}

/**
 * `databricks api METHOD PATH [--json BODY]`: DELETE deletes; a POST to an endpoint named for deleting
 * (`/api/2.0/workspace/delete`, `/clusters/permanent-delete`) does too; a statement sent to the SQL API is read as SQL.
 */
function apiCall(c: VerbCall, an: Analysis): void {
  const [, method = "", path = ""] = c.parsed.positionals;
  const body = c.parsed.value("--json");
  const shown = `databricks api ${method} ${path}`;
  if (method.toLowerCase() === "delete") {
    an.destroys(`${shown} deletes the resource`, "resource:delete");
    return;
  }
  const endpoint = path.replace(/\/+$/, "").split("/").pop()?.toLowerCase() ?? "";
  if (DESTRUCTIVE_VERBS.has(endpoint) || /^permanent-delete$|^delete-/.test(endpoint)) {
    an.destroys(`${shown} calls a deleting endpoint`, "resource:delete");
    return;
  }
  if (!STATEMENTS_PATH.test(path) || body === undefined) {
    an.harmless(`${shown} neither deletes nor runs SQL`);
    return;
  }
  const word = c.inv.argv.find((w, i) => i > 0 && w.text === body);
  const file = valueFile(body);
  const statement = statementIn(body);
  if (word && unreadableCode(word))
    an.uncertain(`${shown} runs a statement the guard cannot read (${body.slice(0, 40)})`, true);
  else if (file) unseenSql(an, shown, file);
  else if (statement !== undefined) an.nested.sql(statement);
  else an.uncertain(`${shown} sends a body the guard cannot read as JSON`, false);
}

const databricks = verbCli("databricks", {
  valueFlags: [
    "-p",
    "--profile",
    "-o",
    "--output",
    "-t",
    "--target",
    "--json",
    "--file",
    "--format",
    "--language",
    "--name",
    "--var",
    "--warehouse-id",
  ],
  verbs: {
    "permanent-delete": "destructive",
    "delete-scope": "destructive",
    "delete-secret": "destructive",
    "delete-acl": "destructive",
    "delete-run": "destructive",
  },
  rules: [
    secretWrite(/^secrets put(?:-secret)?\b/, null, "Databricks keeps no earlier value of a secret"),
    {
      when: (c) => c.parsed.positionals[0] === "api",
      apply: apiCall,
      final: true,
    },
    {
      // `fs cp` and `workspace import` refuse an existing target unless told to overwrite it.
      when: (c) =>
        c.parsed.has("--overwrite") &&
        ((c.parsed.positionals[0] === "fs" && c.parsed.positionals[1] === "cp") ||
          (c.parsed.positionals[0] === "workspace" && c.parsed.positionals[1] === "import")),
      apply: (c, an) =>
        an.destroys(
          `databricks ${c.parsed.positionals.slice(0, 2).join(" ")} --overwrite writes over the existing file`,
          "file:overwrite",
        ),
      final: true,
    },
  ],
});

/** `dbsqlcli -e` takes a statement or the path of a file of them. */
function dbsqlcli(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet("-e", "--execute", "--hostname", "--http-path", "--access-token", "--table-format"),
  });
  for (const text of parsed.values("-e", "--execute")) {
    const word = inv.argv.find((w, i) => i > 0 && w.text === text);
    if (word && unreadableCode(word))
      an.uncertain(`dbsqlcli -e runs SQL the guard cannot read (${text.slice(0, 40)})`, true);
    else if (/^\S+\.sql$/i.test(text.trim())) unseenSql(an, "dbsqlcli -e", text.trim());
    else an.nested.sql(text);
  }
}

export const databricksCommands: CommandTable = { databricks, dbsqlcli };
