// MySQL's `PREPARE stmt FROM …`: the statement it prepares is text — a literal read as SQL, or a user variable or
// expression built at run time, which may say anything.
import type { Analysis } from "../analysis.ts";

const PREPARE_WORD = /\bprepare\b/i;
const PREPARE_FROM =
  /\bprepare\s+[`"]?\w+[`"]?\s+from\s+(?:'((?:[^'\\]|''|\\.)*)'|"((?:[^"\\]|""|\\.)*)"|([^\s;]+))/gi;

export function judgePreparedText(sql: string, an: Analysis): void {
  if (!PREPARE_WORD.test(sql)) return;
  for (const m of sql.matchAll(PREPARE_FROM)) {
    const text = m[1]?.replace(/''/g, "'") ?? m[2]?.replace(/""/g, '"');
    if (text !== undefined) an.nested.sql(text, "mysql");
    else an.uncertain(`PREPARE … FROM ${m[3]} runs SQL built at run time, which may destroy anything`, true);
  }
}
