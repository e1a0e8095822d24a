// MCP tool calls an agent makes (Claude Code's `mcp__server__tool`, Cursor's beforeMCPExecution): judged by what the
// tool's name says it does, as a GraphQL mutation field is, and by the payloads in its arguments: SQL and GraphQL in
// query fields, shell commands, HTTP requests and code, each read by the analyser a command holding it would get.
import type { Analysis, CodeLanguage, ToolCall } from "./analysis.ts";
import { machineCredentials } from "./exposure.ts";
import { instanceCredentialsRead } from "./instance-credentials.ts";
import { DuplicateKeyError, parseJson } from "./json-text.ts";
import { destructiveVerbAt, judgeNamedOperation } from "./named-operation.ts";
import { shellQuoted } from "./shell-quote.ts";
import { looksLikeQuery } from "./text-kind.ts";
import { READ_VERBS, splitWords } from "./vocabulary.ts";

export type { ToolCall };

/** Argument names are compared without case or separators: `sql_query`, `sqlQuery` and `SQLQuery` are one field. */
const field = (key: string) => key.toLowerCase().replace(/[^a-z0-9]/g, "");

/** Fields that hold SQL, whatever it starts with (a comment, say). */
const SQL_FIELDS = new Set(
  "sql sqls statement statements stmt stmts sqlquery rawsql sqlstatement sqlstatements sqltext sqlstring".split(
    " ",
  ),
);
/** Fields that hold SQL or GraphQL, or a search text that merely mentions it (`"drop shipping"`). */
const QUERY_FIELDS = new Set("q query queries querystring querytext mutation".split(" "));
/** Comments, white space, empty statements and opening brackets before a query's first word. */
const LEADING_COMMENTS = /^(?:[\s;(]+|--[^\n]*(?:\n|$)|#[^\n]*(?:\n|$)|\/\*[\s\S]*?\*\/)*/;
/** `command`, `commands`, and the spellings tools give them: `cli_command` (awslabs' call_aws), `kubectlCmd`. */
const COMMAND_FIELD = /(?:command|commands|cmd|cmds|commandline)$/;
const COMMAND_FIELDS = new Set("script scripts shell bash".split(" "));
const isCommandField = (name: string) => COMMAND_FIELDS.has(name) || COMMAND_FIELD.test(name);
/** `source` also names a file to copy or move from: it is read as code only where a language says it is code. */
const CODE_FIELDS = new Set(["code", "source", "sourcecode", "cell", "cellsource", "cellcode", "codecell"]);
/**
 * A file path, URL, coupon or OAuth code: one token with no quotes or brackets, which no language runs as a program
 * that destroys anything.
 */
const PATH_LIKE = /^[\w./~:@+=-]+$/;
/** Tools whose name says they run what they are given. */
const RUN_WORDS = new Set(
  "run execute exec eval evaluate interpret repl cell notebook sandbox script".split(" "),
);
/** Fields naming the operation a generic tool performs (`use_aws {operation_name: "delete_bucket"}`, JSON-RPC's method). */
const OPERATION_FIELDS = new Set(
  "operation operationname operationid action actionname api apiname commandname subcommand verb method httpmethod requestmethod rpc".split(
    " ",
  ),
);
/**
 * Gateways that call another tool by name (`call_tool {name, arguments}`, Composio's `{tool_slug, arguments}`): the
 * named tool is judged as if it had been called.
 */
const NESTED_TOOL_FIELDS = new Set(
  "tool toolname toolslug toolid functionname function fn procedure".split(" "),
);
const NESTED_ARGUMENT_FIELDS = [
  "arguments",
  "args",
  "params",
  "parameters",
  "input",
  "toolargs",
  "toolarguments",
];
/** `sql_base64`, `commandB64`: a payload field's text, base64-encoded. */
const BASE64_FIELD = /^(.+?)(?:base64|b64)$/;
/** Tools that run SQL (`execute_sql`, a `db` server's `execute`): any argument that reads as SQL is run. */
const SQL_TOOL_WORDS = new Set(
  "sql query queries statement statements db database postgres mysql sqlite".split(" "),
);
/** Tools that type into a running process (desktop-commander's interact_with_process, a REPL): what they send runs. */
const TERMINAL_WORDS = new Set("process terminal repl console pty tty tmux stdin".split(" "));
const TYPED_INPUT_FIELDS = new Set(["input", "stdin", "text", "keys", "line"]);
/** Tools named after a CLI, given only its arguments (`docker {args: ["volume", "rm", "pgdata"]}`). */
const CLI_TOOLS = new Set(
  "aws az gcloud gsutil bq kubectl helm docker podman terraform tofu git gh glab heroku flyctl vercel wrangler redis-cli psql mysql mongosh".split(
    " ",
  ),
);
/** Cypher, not SQL: a graph server's query, or a clause opening on a node pattern (`MATCH (n)`, `MERGE (u:User …)`). */
const CYPHER_START = /^(?:OPTIONAL\s+MATCH|MATCH|MERGE|CREATE)\s*\(/i;
const GRAPH_WORDS = new Set(["cypher", "neo4j", "memgraph"]);
const CYPHER_DESTROYS = /\b(?:DETACH\s+DELETE|DELETE|REMOVE|DROP)\b/i;
/** IPython shell escapes and cell magics in a Python cell: `!rm -rf data`, `%%bash`, `%sx`, `%system`. */
const IPYTHON_SHELL_LINE = /^[ \t]*(?:!|%sx\b|%system\b)(.*)$/gm;
const IPYTHON_SHELL_CELL = /^\s*%%(?:bash|sh|script|system|sx)\b[^\n]*\n([\s\S]*)$/;
/** An operation's name: one identifier, as APIs spell them (`DeleteBucket`, `users.delete`, `delete-bucket`). */
const OPERATION_NAME = /^[A-Za-z][\w.:/-]{0,127}$/;
const ARGUMENT_FIELDS = new Set(["args", "arguments", "argv"]);
const LANGUAGE_FIELDS = ["language", "lang", "runtime", "kernel"];
const BODY_FIELDS = ["body", "data", "json", "payload"];
const URL_FIELDS = ["url", "uri", "endpoint", "href"];
const METHOD_FIELDS = ["method", "httpmethod", "requestmethod", "verb"];
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
/**
 * File tools (the filesystem server's write_file, move_file, copy_file) read as the shell command that does the same,
 * so moving or writing onto a database file, say, is judged as `mv` and `tee` onto it are.
 */
const FILE_WORDS = new Set(["file", "files", "directory", "dir", "folder"]);
const FILE_VERBS: Record<string, "mv" | "cp" | "tee"> = {
  move: "mv",
  rename: "mv",
  mv: "mv",
  copy: "cp",
  cp: "cp",
  write: "tee",
  overwrite: "tee",
  save: "tee",
  put: "tee",
  create: "tee",
  // Editing a file in place writes it as much as saving it does (`edit_file`, `replace_in_file`, `append_file`).
  edit: "tee",
  modify: "tee",
  update: "tee",
  patch: "tee",
  replace: "tee",
  append: "tee",
  insert: "tee",
};
/**
 * File tools that read (the filesystem server's read_file, read_text_file, read_multiple_files): `cat` of each path,
 * so what the rules say of reading a credential file into the agent's context holds for them too.
 */
const FILE_READ_VERBS = new Set(["read", "get", "view", "open", "cat", "head", "tail", "show"]);
const READ_FIELDS = [
  "path",
  "paths",
  "filepath",
  "filepaths",
  "file",
  "files",
  "filename",
  "filenames",
  "source",
  "src",
];
const FROM_FIELDS = ["source", "src", "from", "oldpath", "sourcepath", "path"];
const TO_FIELDS = ["destination", "dest", "to", "newpath", "target", "targetpath", "destinationpath"];
const WRITE_FIELDS = ["path", "filepath", "file", "filename", "target", "targetpath"];
/** Arguments deeper or more numerous than this are not read to the end, and the call is asked about. */
const MAX_DEPTH = 16;
/** The language a server's code is in when no argument names one: a notebook's kernel, a browser's page script. */
const DEFAULT_LANGUAGES: Record<string, CodeLanguage> = {
  jupyter: "python",
  notebook: "python",
  ipython: "python",
  playwright: "node",
  puppeteer: "node",
  browser: "node",
};
const MAX_VALUES = 2048;

/** `mcp__postgres-prod__execute_sql` → server `postgres-prod`, tool `execute_sql`; any other name is the tool's. */
export function toolName(name: string): { server: string; tool: string } {
  const m = /^mcp__(.+?)__(.+)$/.exec(name);
  return m ? { server: m[1]!, tool: m[2]! } : { server: "", tool: name };
}

/** One line for reasons, approvals and a model's prompt: the tool and its arguments as JSON. */
export function describeToolCall(call: ToolCall): string {
  let input: string;
  try {
    input = JSON.stringify(call.input ?? {});
  } catch {
    // Nested deeper than JSON.stringify can follow; the reader asks about such arguments.
    input = "(arguments too deep to show)";
  }
  return `MCP tool call ${call.name} ${input}`;
}

/** Tools that look things up: their query fields hold what to find (`"drop table users"`), not what to run. */
const SEARCH_WORDS = new Set(["search", "find", "lookup", "grep", "semantic", "docs", "documentation"]);

/** What the call does, by its arguments' payloads and its name, into `an`. */
export function analyzeToolCall(call: ToolCall, an: Analysis): void {
  const { server, tool } = toolName(call.name);
  const args = toolArguments(call.input, tool, an);
  const words = splitWords(tool);
  const allWords = [...splitWords(server), ...words];
  const runsQueries = !words.some((w) => SEARCH_WORDS.has(w));
  // `describe_table {note: "delete from users is rare"}` reads; `execute_sql {input: …}` or `query {text: …}` runs.
  const sqlAnywhere =
    runsQueries &&
    allWords.some((w) => SQL_TOOL_WORDS.has(w)) &&
    (words[0] === "query" || !READ_VERBS.has(words[0] ?? ""));
  const reader = new PayloadReader(an, tool, allWords, runsQueries, sqlAnywhere);
  if (Array.isArray(call.input)) reader.list("", call.input, {}, 0);
  reader.object(args, 0);
  reader.fileOperation(words, args);
  const machine = metadataRequest(call.input);
  if (machine) an.uncertain(machineCredentials(machine), false);
  const destructiveName = destructiveVerbAt(words) >= 0;
  // `execute_sql`, `run_command`: what the arguments carry was judged above, and the name adds nothing.
  if (reader.payloads && !destructiveName) return;
  // `query`, `list_tables`, `get_issue`: the name only reads.
  if (READ_VERBS.has(words[0] ?? "") && !destructiveName) an.harmless(`MCP tool ${tool} reads`);
  // Arguments too large to read are asked about already: the name is judged without them, so the cost stays bounded.
  else judgeNamedOperation("MCP tool", tool, reader.truncated ? {} : args, an);
}

/**
 * A fetch or a browser's navigation to a metadata service's credentials, wherever the tool keeps the URL: whole in
 * one field, or in pieces (`baseUrl` and `path`, `host` and `path`, a list of segments), joined here as the tool
 * would join them. A tool given a URL or a host fetches; any other tool counts only if its arguments fetch.
 */
function metadataRequest(input: unknown): string | null {
  const values: string[] = [];
  const collect = (v: unknown, depth: number) => {
    if (depth > MAX_DEPTH || values.length > MAX_VALUES) return;
    if (typeof v === "string") values.push(v);
    else if (Array.isArray(v)) for (const item of v) collect(item, depth + 1);
    else if (isRecord(v)) for (const item of Object.values(v)) collect(item, depth + 1);
  };
  collect(input, 0);
  const request = values.some((v) => URL_OR_HOST.test(v));
  return instanceCredentialsRead(values.join("/"), { request });
}

const URL_OR_HOST = /^\s*(?:[a-z][a-z0-9+.-]*:\/\/|\[?[0-9a-f:.]+\]?(?::\d+)?\s*$|localhost\b|metadata\b)/i;

/**
 * The arguments as an object. Arguments sent as JSON text are read as the object they encode; anything else but an
 * object (a number, text that is not JSON) cannot be read, and the call is asked about.
 */
function toolArguments(input: unknown, tool: string, an: Analysis): Record<string, unknown> {
  if (input === undefined || input === null || isRecord(input) || Array.isArray(input))
    return isRecord(input) ? input : {};
  if (typeof input === "string") {
    try {
      const parsed = parseJson(input);
      if (isRecord(parsed)) return parsed;
    } catch {}
  }
  an.uncertain(`MCP tool ${tool}: arguments the guard cannot read (not a JSON object)`, false);
  return {};
}

/** Where a tool's payload sits under any of these names, compared as field() compares them. */
function fieldValue(value: Record<string, unknown>, names: readonly string[]): unknown {
  for (const [key, v] of Object.entries(value)) if (names.includes(field(key))) return v;
  return undefined;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return Boolean(value) && typeof value === "object" && !Array.isArray(value);
}

/** Walks the arguments and hands every payload it recognises to its analyser. */
class PayloadReader {
  /** How many payloads were handed to an analyser. */
  payloads = 0;
  private values = 0;
  truncated = false;

  constructor(
    private readonly an: Analysis,
    private readonly tool: string,
    /** The server's and the tool's words: `jupyter`, `execute`, `code`, `cell`. */
    private readonly words: readonly string[],
    /** False for search tools, whose query fields are what to look for. */
    private readonly runsQueries: boolean,
    /** True for tools that run SQL, which read it from a field of any name. */
    private readonly sqlAnywhere: boolean,
  ) {}

  object(value: Record<string, unknown>, depth: number): void {
    if (this.tooMuch(depth, Object.keys(value).length)) return;
    this.request(value);
    this.cliArguments(value);
    for (const [key, v] of Object.entries(value)) {
      if (this.truncated) return;
      const name = field(key);
      if (key === "$out") this.outStage(v);
      if (typeof v === "string") this.text(name, v, value, depth);
      else if (Array.isArray(v)) this.list(name, v, value, depth + 1);
      else if (isRecord(v)) {
        if (isCommandField(name)) this.databaseCommand(v);
        this.object(v, depth + 1);
      }
    }
  }

  /**
   * write_file, move_file, copy_file, read_file: the shell command that does the same, for its rules on what is
   * overwritten or read.
   */
  fileOperation(words: readonly string[], args: Record<string, unknown>): void {
    const verb = words[0] ?? "";
    if (FILE_READ_VERBS.has(verb) && words.some((w) => FILE_WORDS.has(w))) {
      const named = fieldValue(args, READ_FIELDS);
      const paths = (Array.isArray(named) ? named : [named]).filter(
        (p): p is string => typeof p === "string" && p !== "",
      );
      if (paths.length) this.analyze(shellLine(["cat", "--", ...paths]));
      return;
    }
    const program = Object.hasOwn(FILE_VERBS, verb) ? FILE_VERBS[verb] : undefined;
    // Writing names a file (write_file); create_directory makes a new one and overwrites nothing.
    const onFiles = program === "tee" ? words.includes("file") : words.some((w) => FILE_WORDS.has(w));
    if (!program || !onFiles) return;
    const path = (names: readonly string[]) => {
      const v = fieldValue(args, names);
      return typeof v === "string" && v ? v : undefined;
    };
    const to = path(program === "tee" ? WRITE_FIELDS : TO_FIELDS);
    const from = program === "tee" ? undefined : path(FROM_FIELDS);
    if (!to || (program !== "tee" && !from)) return;
    this.analyze(shellLine([program, "--", ...(from ? [from] : []), to]));
  }

  /** MongoDB's runCommand names the command by its first key: `{dropDatabase: 1}`, `{drop: "users"}`. */
  private databaseCommand(command: Record<string, unknown>): void {
    const name = Object.keys(command)[0];
    if (!name || !OPERATION_NAME.test(name)) return;
    this.payloads++;
    judgeNamedOperation("MCP tool database command", name, command, this.an);
  }

  /** An aggregation's `$out` stage replaces the collection it names with the pipeline's result. */
  private outStage(target: unknown): void {
    this.payloads++;
    const name = typeof target === "string" ? target : JSON.stringify(target);
    this.an.destroys(
      `MCP tool ${this.tool}: an aggregation $out replaces the collection ${name}`,
      "collection:overwrite",
    );
  }

  /** `docker {args: [...]}`: the CLI the tool is named after, with those arguments, unless a command is given too. */
  private cliArguments(value: Record<string, unknown>): void {
    if (Object.keys(value).some((k) => isCommandField(field(k)))) return;
    const args = argumentsOf(value);
    // The tool's name, not the server's: a docker server's run_container takes the container's own arguments.
    const cli = splitWords(this.tool).find((w) => CLI_TOOLS.has(w));
    if (cli && args.length) this.analyze(shellLine([cli, ...args]));
  }

  list(name: string, items: unknown[], parent: Record<string, unknown>, depth: number): void {
    if (this.tooMuch(depth, items.length)) return;
    for (const item of items) {
      if (this.truncated) return;
      // `statements: ["BEGIN", "DROP TABLE x"]`, `command: ["rm", "-rf", "/srv"]`.
      if (typeof item === "string") {
        if (SQL_FIELDS.has(name) || QUERY_FIELDS.has(name) || /(?:commands|cmds)$/.test(name))
          this.text(name, item, parent, depth);
      } else if (Array.isArray(item)) this.list(name, item, parent, depth + 1);
      else if (isRecord(item)) this.object(item, depth + 1);
    }
    if (isCommandField(name) && !/s$/.test(name) && items.every((i) => typeof i === "string") && items.length)
      this.analyze(shellLine(items as string[]));
  }

  private text(name: string, text: string, parent: Record<string, unknown>, depth: number): void {
    if (++this.values > MAX_VALUES) {
      this.truncate();
      return;
    }
    const encoded = BASE64_FIELD.exec(name);
    if (encoded?.[1]) {
      // `sql_base64`: the field the encoded text stands for.
      this.text(encoded[1], Buffer.from(text, "base64").toString("utf8"), parent, depth);
    } else if (SQL_FIELDS.has(name)) {
      this.payloads++;
      this.an.nested.sql(text);
    } else if (QUERY_FIELDS.has(name)) {
      const query = text.replace(LEADING_COMMENTS, "");
      if (!this.runsQueries) return;
      if (CYPHER_START.test(query) || this.words.some((w) => GRAPH_WORDS.has(w))) this.cypher(query);
      else if (looksLikeQuery(query)) this.analyze(query);
    } else if (isCommandField(name)) {
      this.analyze(shellLine([text, ...argumentsOf(parent)]));
    } else if (CODE_FIELDS.has(name)) {
      this.code(text, parent);
    } else if (OPERATION_FIELDS.has(name) && OPERATION_NAME.test(text.trim())) {
      // A name with stray spaces (` delete_bucket`) is the same operation; prose ("click delete") is not one.
      this.payloads++;
      judgeNamedOperation("MCP tool operation", text.trim(), parent, this.an);
    } else if (this.namesNestedTool(name, parent) && OPERATION_NAME.test(text.trim())) {
      this.payloads++;
      judgeNamedOperation("MCP tool called through a gateway", text.trim(), parent, this.an);
    } else if (TYPED_INPUT_FIELDS.has(name) && this.words.some((w) => TERMINAL_WORDS.has(w))) {
      this.analyze(text);
    } else if (this.sqlAnywhere && this.readsAsSql(text)) {
      this.analyze(text.replace(LEADING_COMMENTS, ""));
    } else if (/^\s*[[{]/.test(text)) {
      // Arguments passed as JSON text (`{"params": "{\"sql\": …}"}`) are read as the arguments they encode.
      this.json(text, parent, depth + 1);
    }
  }

  /** `{tool_name: "delete_repo", …}`, or `{name: "delete_repo", arguments: {…}}` as MCP's own tools/call spells it. */
  private namesNestedTool(name: string, parent: Record<string, unknown>): boolean {
    return (
      NESTED_TOOL_FIELDS.has(name) ||
      (name === "name" && fieldValue(parent, NESTED_ARGUMENT_FIELDS) !== undefined)
    );
  }

  /** SQL in a field of any name (`text`, `expression`, `input`), not JSON text, which is read as arguments. */
  private readsAsSql(text: string): boolean {
    const query = text.replace(LEADING_COMMENTS, "");
    return !/^[[{]/.test(query) && looksLikeQuery(query);
  }

  private json(text: string, parent: Record<string, unknown>, depth: number): void {
    let value: unknown;
    try {
      value = parseJson(text);
    } catch (error) {
      // A repeated key reads differently in the server than here.
      if (error instanceof DuplicateKeyError) {
        this.payloads++;
        this.an.uncertain(`MCP tool ${this.tool}: ${error.message}`, false);
      }
      // Text too deeply nested to parse is unreadable, not harmless.
      else if (!(error instanceof SyntaxError)) this.truncate();
      return;
    }
    if (isRecord(value)) this.object(value, depth);
    else if (Array.isArray(value)) this.list("", value, parent, depth);
  }

  /** A command, SQL or GraphQL, read as the same text typed at a shell prompt would be. */
  private analyze(text: string): void {
    this.payloads++;
    this.an.nested.command(text);
  }

  private code(source: string, parent: Record<string, unknown>): void {
    const named = LANGUAGE_FIELDS.map((k) => parent[k]).find((v) => typeof v === "string") as
      | string
      | undefined;
    // The server's name counts: a Jupyter or IPython server's cells are Python unless a language says otherwise.
    const language =
      LANGUAGES[field(named ?? "")] ??
      this.words.map((w) => LANGUAGES[w]).find(Boolean) ??
      this.words.map((w) => DEFAULT_LANGUAGES[w]).find(Boolean);
    // `create_coupon {code: "SAVE10"}`, `move_file {source: "a.txt"}`: an identifier, not a program.
    if (!language && PATH_LIKE.test(source) && !this.words.some((w) => RUN_WORDS.has(w))) return;
    this.payloads++;
    if (language === "shell") this.analyze(source);
    else if (language === "python") this.python(source);
    else if (language) this.an.nested.code(language, source);
    else this.an.uncertain(`MCP tool ${this.tool} runs code in a language the guard cannot tell`, false);
  }

  /** Neo4j's Cypher: deleting nodes or relationships, removing properties or labels, dropping schema. */
  private cypher(query: string): void {
    this.payloads++;
    const verb = CYPHER_DESTROYS.exec(query);
    if (verb) this.an.destroys(`Cypher ${verb[0].toUpperCase()} in MCP tool ${this.tool}`, "node:delete");
    else this.an.harmless(`Cypher in MCP tool ${this.tool} that deletes nothing`);
  }

  /** A Python cell, and the shell commands its IPython escapes run. */
  private python(source: string): void {
    const cell = IPYTHON_SHELL_CELL.exec(source);
    if (cell) {
      this.analyze(cell[1]!);
      return;
    }
    for (const line of source.matchAll(IPYTHON_SHELL_LINE)) this.analyze(line[1]!);
    this.an.nested.code(
      "python",
      source.replace(IPYTHON_SHELL_LINE, (line) => line.replace(/\S[\s\S]*$/, "pass")),
    );
  }

  /** `{url, method: "DELETE", body}` or fetch's `{url, options: {method, body}}`: a request the tool makes. */
  private request(value: Record<string, unknown>): void {
    const url = fieldValue(value, URL_FIELDS);
    if (typeof url !== "string" || !/^\s*https?:\/\//i.test(url)) return;
    const init = [value, ...INIT_FIELDS.map((k) => fieldValue(value, [k]))].find(
      (v): v is Record<string, unknown> => isRecord(v) && typeof fieldValue(v, METHOD_FIELDS) === "string",
    );
    if (!init) return;
    const body = fieldValue(init, BODY_FIELDS);
    const headers = fieldValue(init, ["headers"]);
    this.payloads++;
    this.an.nested.http({
      method: String(fieldValue(init, METHOD_FIELDS)).trim().toUpperCase(),
      url: url.trim(),
      body: body === undefined ? undefined : typeof body === "string" ? body : JSON.stringify(body),
      headers: isRecord(headers)
        ? Object.entries(headers).map(([k, v]) => `${k}: ${String(v)}`)
        : Array.isArray(headers)
          ? headers.map(String)
          : undefined,
    });
  }

  /** Too deep, or more values than are read: an object or list wider than that is not walked at all. */
  private tooMuch(depth: number, width: number): boolean {
    if (depth <= MAX_DEPTH && this.values + width <= MAX_VALUES) return false;
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
  return [command, ...args.map(shellQuoted)].join(" ");
}
