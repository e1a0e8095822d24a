// libpg-query's WebAssembly build, started from its Emscripten module rather than the package's entry point. A hook
// call that meets SQL only PostgreSQL's parser reads pays this load while the agent waits, and the entry point costs
// twice what it must: it loads @pgsql/types (type declarations' runtime twin, unused here) and compiles the 1.7 MB
// module asynchronously, which V8 finishes in about 30 ms where compiling it in place (lazily, function by function
// on first call) takes about 12. The parse itself is the entry point's parseSync(), on the same exported functions.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";

/** The exports of libpg-query's Emscripten build that a parse uses (its own parseSync() uses the same). */
interface PgQueryModule {
  _malloc(size: number): number;
  _free(pointer: number): void;
  _wasm_parse_query_raw(query: number): number;
  _wasm_free_parse_result(result: number): void;
  getValue(pointer: number, type: "i32"): number;
  UTF8ToString(pointer: number): string;
  lengthBytesUTF8(text: string): number;
  stringToUTF8(text: string, pointer: number, size: number): void;
}

type CreateModule = (options: {
  instantiateWasm: (
    imports: WebAssembly.Imports,
    receive: (instance: WebAssembly.Instance) => void,
  ) => object;
}) => Promise<PgQueryModule>;

/** PostgreSQL's parse of `sql` as libpg-query's JSON tree; throws a SyntaxError with the parser's message. */
export type PostgresParse = (sql: string) => unknown;

export async function loadPostgresParse(): Promise<PostgresParse> {
  const require = createRequire(import.meta.url);
  const modulePath = require.resolve("libpg-query/wasm/libpg-query.js");
  const createModule = require(modulePath) as CreateModule;
  const compiled = new WebAssembly.Module(readFileSync(join(dirname(modulePath), "libpg-query.wasm")));
  const pg = await createModule({
    instantiateWasm(imports, receive) {
      receive(new WebAssembly.Instance(compiled, imports));
      return {};
    },
  });
  return (sql) => parse(pg, sql);
}

function parse(pg: PgQueryModule, sql: string): unknown {
  const size = pg.lengthBytesUTF8(sql) + 1;
  const query = pg._malloc(size);
  let result = 0;
  try {
    pg.stringToUTF8(sql, query, size);
    result = pg._wasm_parse_query_raw(query);
    if (!result) throw new Error("PostgreSQL's parser could not allocate memory");
    // PgQueryParseResult: the tree's JSON, the parser's stderr, then its error (PgQueryError, message first).
    const error = pg.getValue(result + 8, "i32");
    if (error) {
      const message = pg.getValue(error, "i32");
      throw new SyntaxError(message ? pg.UTF8ToString(message) : "PostgreSQL's parser refused it");
    }
    const tree = pg.getValue(result, "i32");
    if (!tree) throw new Error("PostgreSQL's parser gave no tree");
    return JSON.parse(pg.UTF8ToString(tree));
  } finally {
    pg._free(query);
    if (result) pg._wasm_free_parse_result(result);
  }
}
