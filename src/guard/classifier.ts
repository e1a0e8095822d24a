// classify(command, context): which language the text is in, the analysers for it, and the policy decision.
// Parsers load on first use; PostgreSQL's (WebAssembly, asynchronous) through classifyPrepared() or loadSqlParser().
import { Analysis, registerLanguageAnalysers, type ToolCall } from "./analysis.ts";
import { analyzeCode } from "./code.ts";
import { decide } from "./decision.ts";
import { analyzeExposure } from "./exposure.ts";
import { analyzeGraphql } from "./graphql.ts";
import { analyzeHttp, parseRawHttp } from "./http.ts";
import { analyzeShell } from "./shell/analyze-shell.ts";
import { analyzeSql } from "./sql/analyze-sql.ts";
import { loadSqlParser, takeSqlParserMissed } from "./sql/postgres-parser.ts";
import { GRAPHQL_START, readsAsSql } from "./text-kind.ts";
import { runUntil } from "./time-limit.ts";
import { analyzeToolCall, describeToolCall } from "./tool-call.ts";
import type { Classification, GuardContext } from "./types.ts";

export function classify(command: string, context: GuardContext = {}): Classification {
  const an = newAnalysis(context);
  an.note(command);
  try {
    runUntil(context.deadline, () => analyzeCommand(command, an));
  } catch (error) {
    // A bug in a rule must not let a command through unexamined.
    an.uncertain(
      `guard_failure: the guard failed on this command (${error instanceof Error ? error.message : String(error)})`,
      true,
    );
  }
  return decide(an, context);
}

/**
 * classify() for one-off calls (a hook, `guard check`): plain SQL is read without PostgreSQL's parser, which is
 * loaded only when some SQL needed it (the first reading then fell back to keywords), and the command classified
 * again with it.
 */
export async function classifyPrepared(command: string, context: GuardContext = {}): Promise<Classification> {
  takeSqlParserMissed();
  const first = classify(command, context);
  if (!takeSqlParserMissed()) return first;
  await loadSqlParser();
  return classify(command, context);
}

export function classifyToolCall(call: ToolCall, context: GuardContext = {}): Classification {
  const an = newAnalysis(context);
  an.note(describeToolCall(call));
  try {
    runUntil(context.deadline, () => analyzeToolCall(call, an));
  } catch (error) {
    an.uncertain(
      `guard_failure: the guard failed on this tool call (${error instanceof Error ? error.message : String(error)})`,
      true,
    );
  }
  return decide(an, context);
}

/** classifyToolCall() with PostgreSQL's parser loaded when some SQL in the arguments needed it. */
export async function classifyToolCallPrepared(
  call: ToolCall,
  context: GuardContext = {},
): Promise<Classification> {
  takeSqlParserMissed();
  const first = classifyToolCall(call, context);
  if (!takeSqlParserMissed()) return first;
  await loadSqlParser();
  return classifyToolCall(call, context);
}

/** A command as an agent would run it: shell, SQL, GraphQL or a raw HTTP request, and secrets it sends away. */
export function analyzeCommand(command: string, an: Analysis): void {
  analyzeText(command.trim(), an);
  analyzeExposure(command, an);
}

function analyzeText(text: string, an: Analysis): void {
  if (!text) return;
  const http = parseRawHttp(text);
  if (http) {
    an.nested.http(http);
    return;
  }
  if (GRAPHQL_START.test(text) && (text[0] !== "{" || !/[;|&]/.test(text))) {
    an.nested.graphql(text);
    return;
  }
  if (readsAsSql(text)) {
    an.nested.sql(text);
    return;
  }
  an.nested.shell(text);
}

registerLanguageAnalysers({
  command: (an, text) => analyzeCommand(text, an),
  shell: (an, script, vars) => analyzeShell(script, an, vars),
  sql: (an, text, dialect, client) => analyzeSql(text, an, dialect, "auto", client),
  graphql: (an, query, variables) => analyzeGraphql(query, an, variables),
  http: (an, request) => analyzeHttp(request, an),
  code: (an, language, source) => analyzeCode(language, source, an),
  toolCall: (an, call) => analyzeToolCall(call, an),
});

/** An Analysis wired to every language analyser, so payloads found inside a command are followed. */
export function newAnalysis(context: Pick<GuardContext, "projectFiles"> = {}): Analysis {
  return new Analysis(context.projectFiles);
}
