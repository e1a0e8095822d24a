// PostgreSQL: plain statements read by the fast reader, the rest by libpg-query; each statement then visited.
import type { Analysis } from "../analysis.ts";
import type { AstNode } from "./ast-values.ts";
import { parsePostgresTree } from "./postgres-parser.ts";
import { walkPg } from "./postgres-tree.ts";
import { visitPg } from "./postgres-visitor.ts";
import { readSimpleSql } from "./simple-reader.ts";

/** "auto": the fast reader when it accepts the SQL, else PostgreSQL's parser; "full": always the parser (tests). */
export type SqlReader = "auto" | "full";

/** Reads `sql` as PostgreSQL; false when it does not parse. */
export function parsePostgres(sql: string, an: Analysis, reader: SqlReader): boolean {
  // The fast reader builds the parser's tree for plain SQL, so the WebAssembly parser is loaded only for the rest.
  let stmts = reader === "auto" ? readSimpleSql(sql) : null;
  if (!stmts) {
    let tree: unknown;
    try {
      tree = parsePostgresTree(sql);
    } catch {
      return false;
    }
    stmts = ((tree as { stmts?: { stmt?: AstNode }[] }).stmts ?? []).map((s) => s.stmt ?? {});
  }
  for (const stmt of stmts) {
    const before = an.findings.length;
    walkPg(stmt, (type, body) => visitPg(type, body, an));
    if (an.findings.length === before) an.harmless(`SQL ${describeStatement(stmt)}`);
  }
  return true;
}

function describeStatement(stmt: AstNode): string {
  const type = Object.keys(stmt)[0] ?? "statement";
  return type
    .replace(/Stmt$/, "")
    .replace(/([a-z])([A-Z])/g, "$1 $2")
    .toUpperCase();
}
