// Which language a text is in, by its first words: SQL, GraphQL, or (anything else) a shell command.
import { parsesAsSql } from "./sql/parses-as-sql.ts";

/** First words that can only be SQL. */
const SQL_ONLY =
  /^(select|insert|update|delete|drop|alter|create|with|explain|comment|grant|revoke|vacuum|merge|replace|reindex|cluster|pragma|upsert|savepoint|release)(?=[\s;(]|$)/i;
/** First words that are SQL or a shell command (`set -e`, `truncate -s 0`, `rename`, `do`): SQL only when a parser accepts it. */
const SQL_OR_SHELL =
  /^(set|truncate|rename|copy|lock|call|use|do|table|values|analyze|describe|desc|show|refresh|listen|notify|begin|commit|rollback|start|reset|discard|checkpoint|prepare|execute|deallocate|fetch|move|close|declare|load|import|unlisten)(?=[\s;(]|$)/i;
export const GRAPHQL_START = /^(mutation|query|subscription|fragment)\b[^{]*\{|^\{/;

/** Whether a trimmed text is SQL: its first word can only be SQL, or is SQL's too and a parser accepts the text. */
export function readsAsSql(text: string): boolean {
  return SQL_ONLY.test(text) || (SQL_OR_SHELL.test(text) && parsesAsSql(text));
}

/** Whether a text reads as SQL or GraphQL rather than words (a search field holds either). */
export function looksLikeQuery(text: string): boolean {
  const t = text.trim();
  return GRAPHQL_START.test(t) || readsAsSql(t);
}
