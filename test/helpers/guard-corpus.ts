// Where the shared guard corpus is: LEASH_GUARD_CORPUS, else ../shared next to this checkout, else the workplace's
// /work/shared. A missing corpus fails the tests that need it (never a silent skip).
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

const CANDIDATES = [
  process.env.LEASH_GUARD_CORPUS,
  fileURLToPath(new URL("../../../shared/guard-corpus/commands.jsonl", import.meta.url)),
  "/work/shared/guard-corpus/commands.jsonl",
].filter((path): path is string => Boolean(path));

export function guardCorpusUrl(): URL {
  const found = CANDIDATES.find((path) => existsSync(path));
  if (!found) {
    throw new Error(`guard corpus not found (looked at ${CANDIDATES.join(", ")}); set LEASH_GUARD_CORPUS`);
  }
  return new URL(`file://${found}`);
}
