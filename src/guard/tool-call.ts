// MCP tool calls an agent makes (Claude Code's `mcp__server__tool`, Cursor's beforeMCPExecution): judged by what the
// tool's name says it does, as a GraphQL mutation field is, and by the payloads in its arguments: SQL and GraphQL in
// query fields, shell commands, HTTP requests and code, each read by the analyser a command holding it would get.
import type { Analysis, CodeLanguage } from "./analysis.ts";
import { analyzeCommand, looksLikeQuery, newAnalysis } from "./classifier.ts";
import { decide } from "./decision.ts";
import { DESTRUCTIVE_OPERATION_VERBS, judgeNamedOperation } from "./named-operation.ts";
import { loadSqlParser, takeSqlParserMissed } from "./sql/postgres-parser.ts";
import type { Classification, GuardContext } from "./types.ts";
import { READ_VERBS, splitWords } from "./vocabulary.ts";

export interface ToolCall {
  /** As the agent names it: `mcp__postgres-prod__execute_sql`, or the tool's own name. */
  name: string;
  /** The tool's arguments, as JSON. */
  input: unknown;
}

/** Argument names are compared without case or separators: `sql_query`, `sqlQuery` and `SQLQuery` are one field. */
const field = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Fields that hold SQL, whatever it starts with (a comment, say). */
const SQL_FIELDS = new Set("sql sqls statement statements sqlquery rawsql sqlstatement sqltext".split(" "));
/** Fields that hold SQL or GraphQL, or a search text that merely mentions it (`"drop shipping"`). */
const QUERY_FIELDS = new Set("query queries querystring querytext mutation".split(" "));
/** Comments and white space before a query's first word. */
const LEADING_COMMENTS = /^(?:\s+|--[^\n]*(?:\n|$)|#[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;
const COMMAND_FIELDS = new Set("command cmd script shell bash commandline shellcommand".split(" "));
const CODE_FIELDS = new Set(["code", "source", "sourcecode"]);
/** Fields naming the operation a generic tool performs (`use_aws {operation_name: "delete_bucket"}`, JSON-RPC's method). */
const OPERATION_FIELDS = new Set(
  "operation operationname operationid action actionname method rpc".split(" "),
);
/** An operation's name: one identifier, as APIs spell them (`DeleteBucket`, `users.delete`, `delete-bucket`). */
const OPERATION_NAME = /^[A-Za-z][\w.:/-]{0,127}$/;
const ARGUMENT_FIELDS = new Set(["args", "arguments", "argv"]);
const LANGUAGE_FIELDS = ["language", "lang", "runtime", "kernel"];
const BODY_FIELDS = ["body", "data", "json", "payload"];
const URL_FIELDS = ["url", "uri", "endpoint", "href"];
/** Where fetch-like tools keep the method, body and headers: beside the URL or in an options object. */
const INIT_FIELDS = ["options", "init", "request", "config"];
const LANGUAGES: Record<string, CodeLanguage | "shell"> = {
  python: "python",
  python3: "python",
  py: "python",
  ipython: "python",
  javascript: "node",
  js: "node",
  node: "node",
  nodejs: "node",
  typescript: "node",
  ts: "node",
  ruby: "ruby",
  rb: "ruby",
  perl: "perl",
  php: "php",
  lua: "lua",
  mongo: "mongo",
  mongosh: "mongo",
  bash: "shell",
  sh: "shell",
  shell: "shell",
  zsh: "shell",
};
/** Arguments deeper or more numerous than this are not read to the end, and the call is asked about. */
const MAX_DEPTH = 8;
const MAX_VALUES = 512;

/** `mcp__postgres-prod__execute_sql` → server `postgres-prod`, tool `execute_sql`; any other name is the tool's. */
export function toolName(name: string): { server: string; tool: string } {
  const m = /^mcp__(.+?)__(.+)$/.exec(name);
  return m ? { server: m[1]!, tool: m[2]! } : { server: "", tool: name };
}

/** One line for reasons, approvals and a model's prompt: the tool and its arguments as JSON. */
export function describeToolCall(call: ToolCall): string {
  return `MCP tool call ${call.name} ${JSON.stringify(call.input ?? {})}`;
}

export function classifyToolCall(call: ToolCall, context: GuardContext = {}): Classification {
  const an = newAnalysis();
  an.note(describeToolCall(call));
  try {
    analyzeToolCall(call, an);
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

/** Tools that look things up: their query fields hold what to find (`"drop table users"`), not what to run. */
const SEARCH_WORDS = new Set(["search", "find", "lookup", "grep", "semantic", "docs", "documentation"]);

function analyzeToolCall(call: ToolCall, an: Analysis): void {
  const { tool } = toolName(call.name);
  const args = isRecord(call.input) ? call.input : {};
  const words = splitWords(tool);
  const reader = new PayloadReader(an, tool, !words.some((w) => SEARCH_WORDS.has(w)));
  reader.object(args, 0);
  const destructiveName = words.some((w) => DESTRUCTIVE_OPERATION_VERBS.has(w));
  // `execute_sql`, `run_command`: what the arguments carry was judged above, and the name adds nothing.
  if (reader.payloads && !destructiveName) return;
  // `query`, `list_tables`, `get_issue`: the name only reads.
  if (READ_VERBS.has(words[0] ?? "") && !destructiveName) an.harmless(`MCP tool ${tool} reads`);
  else judgeNamedOperation("MCP tool", tool, args, an);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === "object" && !Array.isArray(value);
}

/** Walks the arguments and hands every payload it recognises to its analyser. */
class PayloadReader {
  /** How many payloads were handed to an analyser. */
  payloads = 0;
  private values = 0;
  private truncated = false;

  constructor(
    private readonly an: Analysis,
    private readonly tool: string,
    /** False for search tools, whose query fields are what to look for. */
    private readonly runsQueries: boolean,
  ) {}

  object(value: Record<string, unknown>, depth: number): void {
    if (this.tooMuch(depth)) return;
    this.request(value);
    for (const [key, v] of Object.entries(value)) {
      const name = field(key);
      if (typeof v === "string") this.text(name, v, value, depth);
      else if (Array.isArray(v)) this.list(name, v, value, depth + 1);
      else if (isRecord(v)) this.object(v, depth + 1);
    }
  }

  private list(name: string, items: unknown[], parent: Record<string, unknown>, depth: number): void {
    if (this.tooMuch(depth)) return;
    for (const item of items) {
      // `statements: ["BEGIN", "DROP TABLE x"]`, `command: ["rm", "-rf", "/srv"]`.
      if (typeof item === "string") {
        if (SQL_FIELDS.has(name) || QUERY_FIELDS.has(name)) this.text(name, item, parent, depth);
      } else if (Array.isArray(item)) this.list(name, item, parent, depth + 1);
      else if (isRecord(item)) this.object(item, depth + 1);
    }
    if (COMMAND_FIELDS.has(name) && items.every((i) => typeof i === "string") && items.length)
      this.analyze(shellLine(items as string[]));
  }

  private text(name: string, text: string, parent: Record<string, unknown>, depth: number): void {
    if (++this.values > MAX_VALUES) {
      this.truncate();
      return;
    }
    if (SQL_FIELDS.has(name)) {
      this.payloads++;
      this.an.nested.sql(text);
    } else if (QUERY_FIELDS.has(name)) {
      const query = text.replace(LEADING_COMMENTS, "");
      if (this.runsQueries && looksLikeQuery(query)) this.analyze(query);
    } else if (COMMAND_FIELDS.has(name)) {
      this.analyze(shellLine([text, ...argumentsOf(parent)]));
    } else if (CODE_FIELDS.has(name)) {
      this.code(text, parent);
    } else if (OPERATION_FIELDS.has(name) && OPERATION_NAME.test(text)) {
      this.payloads++;
      judgeNamedOperation("MCP tool operation", text, parent, this.an);
    } else if (/^\s*[[{]/.test(text)) {
      // Arguments passed as JSON text (`{"params": "{\"sql\": …}"}`) are read as the arguments they encode.
      this.json(text, parent, depth + 1);
    }
  }

  private json(text: string, parent: Record<string, unknown>, depth: number): void {
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      return;
    }
    if (isRecord(value)) this.object(value, depth);
    else if (Array.isArray(value)) this.list("", value, parent, depth);
  }

  /** A command, SQL or GraphQL, read as the same text typed at a shell prompt would be. */
  private analyze(text: string): void {
    this.payloads++;
    this.an.nest(() => analyzeCommand(text, this.an));
  }

  private code(source: string, parent: Record<string, unknown>): void {
    const named = LANGUAGE_FIELDS.map((k) => parent[k]).find((v) => typeof v === "string") as
      | string
      | undefined;
    const language =
      LANGUAGES[field(named ?? "")] ??
      splitWords(this.tool)
        .map((w) => LANGUAGES[w])
        .find(Boolean);
    this.payloads++;
    if (language === "shell") this.analyze(source);
    else if (language) this.an.nested.code(language, source);
    else this.an.uncertain(`MCP tool ${this.tool} runs code in a language the guard cannot tell`, false);
  }

  /** `{url, method: "DELETE", body}` or fetch's `{url, options: {method, body}}`: a request the tool makes. */
  private request(value: Record<string, unknown>): void {
    const url = URL_FIELDS.map((k) => value[k]).find((v) => typeof v === "string");
    if (typeof url !== "string" || !/^https?:\/\//i.test(url)) return;
    const init = [value, ...INIT_FIELDS.map((k) => value[k])].find(
      (v): v is Record<string, unknown> => isRecord(v) && typeof v.method === "string",
    );
    if (!init) return;
    const body = BODY_FIELDS.map((k) => init[k]).find((v) => v !== undefined);
    const headers = init.headers;
    this.payloads++;
    this.an.nested.http({
      method: String(init.method).toUpperCase(),
      url,
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      headers: isRecord(headers)
        ? Object.entries(headers).map(([k, v]) => `${k}: ${String(v)}`)
        : Array.isArray(headers)
          ? headers.map(String)
          : undefined,
    });
  }

  private tooMuch(depth: number): boolean {
    if (depth <= MAX_DEPTH && this.values <= MAX_VALUES) return false;
    this.truncate();
    return true;
  }

  private truncate(): void {
    if (!this.truncated)
      this.an.uncertain(`MCP tool ${this.tool}: arguments too large or deep to read to the end`, false);
    this.truncated = true;
  }
}

/** `args: ["-rf", "/srv"]` next to a command. */
function argumentsOf(parent: Record<string, unknown>): string[] {
  for (const [key, v] of Object.entries(parent))
    if (ARGUMENT_FIELDS.has(field(key)) && Array.isArray(v) && v.every((a) => typeof a === "string"))
      return v as string[];
  return [];
}

/** The first word is the command line as given (it may hold a whole script); each argument is quoted as one word. */
function shellLine([command, ...args]: string[]): string {
  return [command, ...args.map((a) => `'${a.replaceAll("'", `'\\''`)}'`)].join(" ");
}
