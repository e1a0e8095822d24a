// Databases' HTTP interfaces take the statement in the request itself: ClickHouse's `?query=` or a raw SQL body,
// InfluxDB 1.x's `q=`, rqlite's JSON array of statements, Neo4j's `{"statements":[{"statement": "MATCH …"}]}`.
import { parsesAsSql } from "./sql/parses-as-sql.ts";

export interface RequestStatements {
  sql: string[];
  cypher: string[];
}

/** Fields a database's HTTP interface reads a statement from. */
const STATEMENT_FIELD = /^(?:query|q|sql|stmt|statement)$/i;
/** Cypher's opening clauses, none of which opens an SQL statement (CREATE is left to the SQL reading). */
const CYPHER_OPENING = /^\s*(?:(?:optional\s+)?match|merge|unwind|call\s*\{|detach\s+delete)\b/i;
/** Words an SQL statement opens with: only such text is handed to the parsers, which are slow to load. */
const SQL_OPENING =
  /^\s*(?:\(|with|select|insert|update|delete|drop|truncate|alter|create|replace|merge|rename|grant|revoke|optimize|system|exchange|attach|detach|kill|set|copy|vacuum|begin|start)\b/i;
/** Dialects the parsers do not read (`ALTER TABLE t DELETE WHERE 1`) still name what a statement works on. */
const SQL_SHAPE = /\b(?:table|database|schema|from|into|where|index|view|partition|measurement)\b/i;
const MAX_DEPTH = 5;

/**
 * The statements a request carries in its query string, its form or JSON body, or as its raw body; text that is not
 * a statement (a search term in `q=`) is left out.
 */
export function statementsInRequest(url: URL | null, body: unknown, raw: string): RequestStatements {
  const found: RequestStatements = { sql: [], cypher: [] };
  const add = (text: string) => {
    if (CYPHER_OPENING.test(text)) found.cypher.push(text);
    else if (SQL_OPENING.test(text) && (parsesAsSql(text) || SQL_SHAPE.test(text))) found.sql.push(text);
  };
  if (url) for (const [key, value] of url.searchParams) if (STATEMENT_FIELD.test(key)) add(value);
  if (typeof body === "string") {
    if (body.trim() && !/^\s*[[{<]/.test(raw)) add(body);
  } else collect(body, add, 0);
  return found;
}

/** Statement fields at any depth, and arrays of plain strings (rqlite's `["DROP TABLE t"]`). */
function collect(value: unknown, add: (text: string) => void, depth: number): void {
  if (!value || typeof value !== "object" || depth > MAX_DEPTH) return;
  if (Array.isArray(value)) {
    for (const item of value)
      if (typeof item === "string") add(item);
      else collect(item, add, depth + 1);
    return;
  }
  for (const [key, item] of Object.entries(value)) {
    if (typeof item === "string" && STATEMENT_FIELD.test(key)) add(item);
    else collect(item, add, depth + 1);
  }
}
