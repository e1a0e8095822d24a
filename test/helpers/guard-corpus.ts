// Where the guard's labelled commands are. The project's own cases (test/guard/cases.jsonl) are what the tests
// use; a larger external corpus is an optional extra evaluation, read only from LEASH_GUARD_CORPUS.
import { existsSync } from "node:fs";
import { pathToFileURL } from "node:url";

/** The project's own labelled cases: always present in a checkout. */
export const OWN_GUARD_CASES = new URL("../guard/cases.jsonl", import.meta.url);

/** The external corpus named by LEASH_GUARD_CORPUS; undefined when unset. A set but missing path is an error. */
export function externalGuardCorpusUrl(): URL | undefined {
  const path = process.env.LEASH_GUARD_CORPUS;
  if (!path) return undefined;
  if (!existsSync(path)) throw new Error(`LEASH_GUARD_CORPUS=${path}: no such file`);
  return pathToFileURL(path);
}
