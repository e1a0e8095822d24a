// Functions that run SQL handed to them as text (dblink, query_to_xml, pg_cron…): that text does whatever it says,
// so it is read as SQL in its own right, and text built at run time may say anything.
import type { Analysis } from "../analysis.ts";
import { type AstNode, arr, obj, str } from "./ast-values.ts";
import { names } from "./postgres-tree.ts";

/** Which argument holds the SQL: a position, or the last one that is not a flag (`fail_on_error`) or a number. */
type SqlArgument = number | "last";

/**
 * Functions whose argument is SQL they run: dblink's (the SQL is the last text argument, after an optional
 * connection), the query_to_xml family and ts_stat (the query comes first), tablefunc's crosstab (every text
 * argument is a query), pg_background, and pg_cron's jobs, which run their command on schedule.
 */
const SQL_TEXT_FUNCTIONS: ReadonlyMap<string, SqlArgument | "all"> = new Map<string, SqlArgument | "all">([
  ["dblink", "last"],
  ["dblink_exec", "last"],
  ["dblink_send_query", "last"],
  ["dblink_open", "last"],
  ["query_to_xml", 0],
  ["query_to_xmlschema", 0],
  ["query_to_xml_and_xmlschema", 0],
  ["ts_stat", 0],
  ["crosstab", "all"],
  ["pg_background_launch", 0],
  ["cron.schedule", "last"],
  ["cron.schedule_in_database", 2],
  ["cron.alter_job", 2],
]);

/** The names these functions give their SQL argument, for calls that name it (`sql => '…'`). */
const SQL_PARAMETER = /^(?:sql|query|command|sqlquery|source_sql|category_sql)$/;

/** The quick test before any lookup: most function calls are not these. */
const CANDIDATE = /^(?:dblink|query_to_|ts_stat$|crosstab|pg_background_launch$|schedule|alter_job$)/;

/** True when `funcname` runs SQL given as text; that SQL is then judged, or found unknowable. */
export function judgeSqlTextFunction(funcname: unknown, args: unknown, an: Analysis): boolean {
  const parts = names(funcname).map((n) => n.toLowerCase());
  const last = parts.at(-1) ?? "";
  if (!CANDIDATE.test(last)) return false;
  const name = parts.length > 1 && parts.at(-2) === "cron" ? `cron.${last}` : last;
  const which = SQL_TEXT_FUNCTIONS.get(name);
  if (which === undefined) return false;
  // Named arguments (`cron.alter_job(1, command => '…')`) are found by their name, the others by position.
  const list = arr(args).filter((a) => !obj(a).NamedArgExpr);
  const named = arr(args)
    .map((a) => obj(obj(a).NamedArgExpr))
    .filter((n) => SQL_PARAMETER.test(str(n.name).toLowerCase()))
    .map((n) => n.arg);
  const positional =
    which === "all"
      ? list.filter((a) => !isFlagOrNumber(a))
      : which === "last"
        ? named.length
          ? []
          : list.filter((a) => !isFlagOrNumber(a)).slice(-1)
        : list.slice(which, which + 1);
  for (const node of [...positional, ...named]) {
    const sql = constantText(node);
    if (sql === null) an.uncertain(`${name}() runs SQL built at run time, which may destroy anything`, true);
    else an.nested.sql(sql, "postgres");
  }
  return true;
}

/** A string constant, also cast (`'…'::text`); null for anything computed. */
function constantText(node: unknown): string | null {
  let n = obj(node);
  if (n.TypeCast) n = obj(obj(n.TypeCast).arg);
  const constant = obj(n.A_Const);
  if (!n.A_Const || constant.sval === undefined) return null;
  return str(obj(constant.sval).sval);
}

function isFlagOrNumber(node: unknown): boolean {
  const constant = obj(obj(node as AstNode).A_Const);
  return (
    constant.boolval !== undefined ||
    constant.ival !== undefined ||
    constant.fval !== undefined ||
    constant.isnull === true
  );
}
