// WHERE clauses in libpg-query's tree: does it name rows by key, or is it always true?
import { singular } from "../vocabulary.ts";
import { arr, obj } from "./ast-values.ts";
import { KEY_COLUMN } from "./key-columns.ts";
import { names } from "./postgres-tree.ts";

function isConstant(node: unknown): boolean {
  const n = obj(node);
  if (n.A_Const || n.ParamRef) return true;
  if (n.TypeCast) return isConstant(obj(n.TypeCast).arg);
  return false;
}

function isKeyColumn(node: unknown, table: string): boolean {
  const fields = names(obj(obj(node).ColumnRef).fields);
  const column = (fields.at(-1) ?? "").toLowerCase();
  const base = singular(table.split(".").at(-1)!.toLowerCase());
  return KEY_COLUMN.test(column) || (column !== "" && column === `${base}_id`);
}

export function isKeyPredicate(where: unknown, table: string): boolean {
  const w = obj(where);
  if (w.BoolExpr) {
    const b = obj(w.BoolExpr);
    if (b.boolop === "AND_EXPR") return arr(b.args).some((a) => isKeyPredicate(a, table));
    if (b.boolop === "OR_EXPR") return arr(b.args).every((a) => isKeyPredicate(a, table));
    return false;
  }
  if (w.A_Expr) {
    const e = obj(w.A_Expr);
    const op = names(e.name)[0];
    if (e.kind === "AEXPR_OP" && op === "=") {
      return (
        (isKeyColumn(e.lexpr, table) && isConstant(e.rexpr)) ||
        (isKeyColumn(e.rexpr, table) && isConstant(e.lexpr))
      );
    }
    if (e.kind === "AEXPR_IN")
      return isKeyColumn(e.lexpr, table) && arr(obj(obj(e.rexpr).List).items ?? e.rexpr).every(isConstant);
  }
  return false;
}

export function isTautology(where: unknown): boolean {
  const w = obj(where);
  if (w.A_Const) return obj(obj(w.A_Const).boolval).boolval === true;
  if (w.BoolExpr) {
    const b = obj(w.BoolExpr);
    return b.boolop === "OR_EXPR"
      ? arr(b.args).some(isTautology)
      : b.boolop === "AND_EXPR"
        ? arr(b.args).every(isTautology)
        : false;
  }
  if (w.A_Expr) {
    const e = obj(w.A_Expr);
    const strip = (n: unknown) => JSON.stringify(n).replace(/"location":\d+,?/g, "");
    if (names(e.name)[0] === "=" && isConstant(e.lexpr) && isConstant(e.rexpr))
      return strip(e.lexpr) === strip(e.rexpr);
    if (names(e.name)[0] === "=" && obj(e.lexpr).ColumnRef && strip(e.lexpr) === strip(e.rexpr)) return true;
  }
  return false;
}
