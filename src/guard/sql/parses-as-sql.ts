// Whether text is SQL at all, for inputs whose first word is both SQL and a shell command (`set`, `rename`).
import { MYSQL_SYNTAX, parseMysqlTree } from "./mysql-parser.ts";
import { parsePostgresTree, postgresParserLoaded } from "./postgres-parser.ts";
import { readSimpleSql } from "./simple-reader.ts";

/**
 * A shell option right after the first word (`set -euo pipefail`, `rename -n`, `import -window root`): no PostgreSQL
 * or MySQL statement those words begin goes on with a minus and a letter, so such text is known not to parse without
 * loading PostgreSQL's parser to ask. DO is the exception: MySQL's `DO -x` evaluates an expression.
 */
const SHELL_OPTION = /^(?!do\s)[A-Za-z]+\s+-[A-Za-z]/i;

/** Whether a parser accepts the text as SQL. */
export function parsesAsSql(text: string): boolean {
  if (SHELL_OPTION.test(text)) return false;
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
