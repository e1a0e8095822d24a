// Whether text is SQL at all, for inputs whose first word is both SQL and a shell command (`set`, `rename`).
import { MYSQL_SYNTAX, parseMysqlTree } from "./mysql-parser.ts";
import { parsePostgresTree, postgresParserLoaded } from "./postgres-parser.ts";
import { readSimpleSql } from "./simple-reader.ts";

/** Whether a parser accepts the text as SQL. */
export function parsesAsSql(text: string): boolean {
  if (readSimpleSql(text)) return true;
  try {
    parsePostgresTree(text);
    return true;
  } catch {
    if (!postgresParserLoaded() || !MYSQL_SYNTAX.test(text)) return false;
    try {
      parseMysqlTree(text);
      return true;
    } catch {
      return false;
    }
  }
}
