// PostgreSQL's own parser (libpg-query, WebAssembly), loaded asynchronously on demand; until then SQL that needs it
// is read by keywords, and the caller is told so it can load the parser and read again.
import { loadPostgresParse, type PostgresParse } from "./libpg-query-module.ts";
import { postgresRefusesOpening } from "./postgres-openings.ts";
import { postgresMeetsStrayCharacter } from "./postgres-stray-characters.ts";

let pgParse: PostgresParse | null = null;
let pgLoading: Promise<void> | null = null;
let parserMissed = false;
/** Thrown for text the parser is sure to refuse; caught and dropped, so one object serves every time. */
const REFUSED = new SyntaxError("PostgreSQL's grammar has no way on here");

let baselineCompilerOnly = false;

/**
 * For a process that reads one command (a hook call) or a stream of them: the parser's WebAssembly (1.7 MB) is
 * compiled by V8's baseline compiler only, which saves the optimising recompiles only tens of thousands of parsed
 * statements would pay back. Takes effect when the parser loads, so a process that never needs it never loads
 * `node:v8` either. The answers are the same either way.
 */
export function useBaselineCompilerForSqlParser(): void {
  baselineCompilerOnly = true;
}

/** Loads PostgreSQL's parser (WebAssembly); classify() needs it loaded first to read SQL exactly. Idempotent. */
export function loadSqlParser(): Promise<void> {
  pgLoading ??= (async () => {
    if (baselineCompilerOnly) (await import("node:v8")).setFlagsFromString("--liftoff-only");
    pgParse = await loadPostgresParse();
  })();
  return pgLoading;
}

/** Whether SQL met since the last call had to be read by keywords because the parser was not loaded yet. */
export function takeSqlParserMissed(): boolean {
  const missed = parserMissed;
  parserMissed = false;
  return missed;
}

/**
 * Whether PostgreSQL's parser is sure to refuse `sql`, known without it: no statement of its grammar opens as the
 * text does, or the text holds a character its grammar has no use for.
 */
export function postgresSureToRefuse(sql: string): boolean {
  return postgresRefusesOpening(sql) || postgresMeetsStrayCharacter(sql);
}

/** The statements libpg-query reads in `sql`; throws on a syntax error, or when the parser is not loaded yet. */
export function parsePostgresTree(sql: string): unknown {
  // Neither loaded nor asked when it is sure to refuse the text.
  if (postgresSureToRefuse(sql)) throw REFUSED;
  if (!pgParse) {
    parserMissed = true;
    throw new Error("the SQL parser is not loaded");
  }
  // Most SQL the parser refuses is read another way: its error is caught and dropped, so it needs no stack trace.
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return pgParse(sql);
  } finally {
    Error.stackTraceLimit = limit;
  }
}

export function postgresParserLoaded(): boolean {
  return pgParse !== null;
}
