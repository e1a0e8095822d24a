// WHERE clauses in node-sql-parser's tree: does it name rows by key?
import { singular } from "../vocabulary.ts";
import { arr, obj, str } from "./ast-values.ts";
import { KEY_COLUMN } from "./key-columns.ts";

function mysqlColumn(node: unknown): string {
  const c = obj(node).column;
  return typeof c === "string" ? c : str(obj(obj(c).expr).value);
}

export function mysqlKeyPredicate(where: unknown, table: string): boolean {
  const w = obj(where);
  if (w.type !== "binary_expr") return false;
  const op = str(w.operator).toUpperCase();
  if (op === "AND") {
    // node-sql-parser reads AND and OR at one level, left to right: `a OR b AND c` comes out as `(a OR b) AND c`.
    // An OR under an AND without its own parentheses is such a misreading, and proves nothing about keys.
    const misread = (n: unknown) =>
      obj(n).type === "binary_expr" && str(obj(n).operator).toUpperCase() === "OR" && !obj(n).parentheses;
    if (misread(w.left) || misread(w.right)) return false;
    return mysqlKeyPredicate(w.left, table) || mysqlKeyPredicate(w.right, table);
  }
  if (op === "OR") return mysqlKeyPredicate(w.left, table) && mysqlKeyPredicate(w.right, table);
  const isKey = (n: unknown) =>
    obj(n).type === "column_ref" &&
    (KEY_COLUMN.test(mysqlColumn(n)) ||
      mysqlColumn(n).toLowerCase() === `${singular(table.toLowerCase())}_id`);
  // "…" is a name under ANSI_QUOTES (`WHERE id = "id"` holds for every row), so it names no row.
  const isLiteral = (n: unknown) =>
    /^(number|string|single_quote_string|bool|param|hex_string)$/.test(str(obj(n).type));
  if (op === "=") return (isKey(w.left) && isLiteral(w.right)) || (isKey(w.right) && isLiteral(w.left));
  if (op === "IN") return isKey(w.left) && arr(obj(w.right).value).every(isLiteral);
  return false;
}
