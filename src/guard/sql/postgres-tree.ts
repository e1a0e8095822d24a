// Walking libpg-query's tree: nodes are `{TypeName: {...}}`; names and constants are collected from below a node.
import { type AstNode, obj, str } from "./ast-values.ts";

/** Visits every node `{TypeName: {...}}` depth-first; the visitor returns false to skip a node's children. */
export function walkPg(value: unknown, visit: (type: string, body: AstNode) => boolean): void {
  if (Array.isArray(value)) {
    for (const v of value) walkPg(v, visit);
    return;
  }
  if (!value || typeof value !== "object") return;
  // A loop over keys, not Object.entries and a regex: this walk runs over every tree the guard reads.
  for (const key in value) {
    const child = (value as AstNode)[key];
    if (!child || typeof child !== "object") continue;
    const first = key.charCodeAt(0);
    const isNode = first >= 65 && first <= 90 && !Array.isArray(child);
    if (isNode && !visit(key, child as AstNode)) continue;
    walkPg(child, visit);
  }
}

export function relname(relation: unknown): string {
  const r = obj(relation);
  return [str(r.schemaname), str(r.relname)].filter(Boolean).join(".");
}

/** All String svals under a node: object names of DROP, function names. */
export function names(value: unknown): string[] {
  const out: string[] = [];
  walkPg(value, (type, body) => {
    if (type === "String") out.push(str(body.sval));
    return true;
  });
  return out;
}

/** A constant as written: the parser leaves out a zero or false, so `{ ival: {} }` is 0. */
function constantText(body: Record<string, unknown>): string {
  if (body.sval !== undefined) return str(obj(body.sval).sval);
  if (body.ival !== undefined) return String(obj(body.ival).ival ?? 0);
  if (body.boolval !== undefined) return String(obj(body.boolval).boolval ?? false);
  if (body.fval !== undefined) return str(obj(body.fval).fval);
  return "";
}

export function constants(value: unknown): string[] {
  const out: string[] = [];
  walkPg(value, (type, body) => {
    if (type === "A_Const") out.push(constantText(body));
    return true;
  });
  return out;
}
