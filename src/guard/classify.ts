// classify() with every parser loaded up front, for callers that classify many commands in-process (tests, the
// library). The CLI and hooks use classifier.ts and load the SQL parser only when a command needs it.
import { loadSqlParser } from "./sql/postgres-parser.ts";

await loadSqlParser();

export { classify, classifyPrepared, newAnalysis } from "./classifier.ts";
