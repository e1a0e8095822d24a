// What a DO block (PostgreSQL's anonymous code block) destroys: its code read by keywords, the SQL statements a
// PL/pgSQL block runs read as SQL, and code that runs SQL it builds, or is in another language, taken as unknown.
import type { Analysis } from "../analysis.ts";
import { type AstNode, arr, obj, str } from "./ast-values.ts";
import { sqlKeywordFallback } from "./keyword-fallback.ts";
import { withoutComments } from "./lexical-divides.ts";
import { names } from "./postgres-tree.ts";

/**
 * PL/pgSQL that runs SQL it builds as it runs: EXECUTE of anything but one string constant (`EXECUTE 'DR' || 'OP
 * …'`, `EXECUTE q`), or dblink, whose SQL is text too. Words in the block cannot say what that SQL does.
 */
const DYNAMIC_SQL =
  /\bexecute\b(?!\s*'(?:[^']|'')*'\s*(?:;|\busing\b|\binto\b|$))|\bdblink(?:_exec|_send_query)?\s*\(/i;
/**
 * A SQL statement inside PL/pgSQL: one that starts a statement (after BEGIN, THEN, ELSE, LOOP or a semicolon) with a
 * word PL/pgSQL passes to the SQL engine. PERFORM is SELECT whose result is thrown away.
 */
const EMBEDDED_SQL =
  /(?:^|\b(?:begin|then|else|loop)\b)\s*((?:alter|copy|select|perform|insert|create|grant|revoke|comment|lock|reindex|cluster|vacuum|refresh|call|set|reset)\b[\s\S]*)$/i;
/** `EXECUTE 'one constant'`: the SQL it runs is that text. */
const EXECUTED_CONSTANT = /\bexecute\s*'((?:[^']|'')*)'/gi;

export function judgeDoBlock(body: AstNode, an: Analysis): void {
  const clauses = arr(body.args).map((a) => obj(obj(a).DefElem));
  const code = clauses
    .filter((d) => str(d.defname) === "as")
    .map((d) => names(d.arg).join("\n"))
    .join("\n");
  const language = clauses
    .filter((d) => str(d.defname) === "language")
    .map((d) => names(d.arg).join("."))
    .join("");
  const before = an.findings.length;
  sqlKeywordFallback(code, an, "DO block");
  const plain = withoutComments(code);
  if (language && !/^plpgsql$/i.test(language)) {
    an.uncertain(`DO block in ${language} runs code the guard does not read`, true);
    return;
  }
  if (DYNAMIC_SQL.test(plain)) {
    an.uncertain(
      "DO block runs SQL it builds at run time (EXECUTE, dblink), which may destroy anything",
      true,
    );
    return;
  }
  for (const piece of plain.split(";")) {
    const sql = EMBEDDED_SQL.exec(piece)?.[1];
    if (sql) an.nested.sql(sql.replace(/^perform\b/i, "SELECT"), "postgres");
  }
  for (const m of plain.matchAll(EXECUTED_CONSTANT)) an.nested.sql(m[1]!.replace(/''/g, "'"), "postgres");
  if (an.findings.length === before) an.uncertain("DO runs a procedural block", false);
}
