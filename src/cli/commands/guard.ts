// `leash guard check`: classify one command, or a stream of them as JSON lines, with the task's environment and intent.
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { setFlagsFromString } from "node:v8";
import type { Command } from "commander";
import { type GuardSettings, guardSettings } from "../../config/guard-env.ts";
import { guardModelSettings } from "../../config/guard-model-env.ts";
import type { Classification, EnvironmentMarkers, GuardContext } from "../../guard/types.ts";
import { terminalSafeJson, terminalSafeJsonText, visibleText } from "../../text/visible-text.ts";
import { LineBytes } from "../line-bytes.ts";
import { readStandardText } from "../standard-io.ts";

export const GUARD_EXIT = { allow: 0, error: 1, ask: 2, deny: 3 } as const;

const EXIT_HELP = `
Exit status: 0 allow, 2 ask (a human must approve), 3 deny, 1 bad usage or input.
With --jsonl the exit status is 0 and each output line carries its own decision.

Environment: LEASH_TOKEN gives the task's environment and intent (its claims, verified against the environment's
JWKS when LEASH_URL answers, decoded only when it does not); without it, LEASH_ENV and LEASH_INTENT. A destructive
command is asked about unless the intent covers it. LEASH_SCOPES_DIR names the scopes directory.
LEASH_GUARD_MODEL_URL (an OpenAI-compatible endpoint), LEASH_GUARD_MODEL and LEASH_GUARD_MODEL_ALL=1
add a model's second opinion, which can only make a decision stricter.`;

export interface GuardCliOptions {
  env?: string;
  intent?: string;
  scopesDir?: string;
}

/**
 * The environments the guard knows, from --scopes-dir, else LEASH_SCOPES_DIR: an explicit directory must have
 * environments.yaml; ./scopes is used if present.
 */
export async function loadGuardEnvironments(
  options: GuardCliOptions,
  settings: GuardSettings,
): Promise<EnvironmentMarkers[] | undefined> {
  const explicit = options.scopesDir ?? settings.scopesDir;
  const dir = explicit ?? (existsSync(join("scopes", "environments.yaml")) ? "scopes" : undefined);
  if (dir === undefined) return undefined;
  // Loaded only here: an agent's project usually has no scopes directory.
  const { loadEnvironmentMarkers } = await import("../../guard/markers.ts");
  return loadEnvironmentMarkers(dir);
}

/** Flags first, then the task token (LEASH_TOKEN, verified when LEASH_URL answers), then LEASH_INTENT and LEASH_ENV. */
export async function guardContext(options: GuardCliOptions, settings: GuardSettings): Promise<GuardContext> {
  const { taskContextFromSettings } = await import("../task-context.ts");
  const [task, environments] = await Promise.all([
    taskContextFromSettings(settings),
    loadGuardEnvironments(options, settings),
  ]);
  return {
    env: options.env ?? task.env,
    intent: options.intent ?? task.intent,
    intentSource: options.intent ? "--intent" : task.source,
    environments,
  };
}

/**
 * Classifies with the rules, adding the model when LEASH_GUARD_MODEL_URL is set. Parsers load lazily: the SQL
 * parser only for commands that may hold SQL, the model client only when a model is configured.
 */
export async function guardClassifier(): Promise<
  (command: string, context: GuardContext) => Promise<Classification> | Classification
> {
  const { classifyPrepared } = await import("../../guard/classifier.ts");
  const model = await guardModelSettings();
  if (!model) return classifyPrepared;
  const { classifyWithModel } = await import("../../guard/model.ts");
  return (command, context) => classifyWithModel(command, context, model);
}

export function registerGuardCommands(program: Command): void {
  const guard = program
    .command("guard")
    .description("classify commands an agent wants to run: destructive or not, where, and allow/ask/deny");
  guard
    .command("check")
    .description("classify a shell command, SQL, GraphQL or HTTP request")
    .argument("[command]", 'the command as the agent would run it; "-" reads it from stdin')
    .option("--env <env>", "the task's environment (default: $LEASH_ENV)")
    .option("--intent <text>", "the task's intent (default: the LEASH_TOKEN's, else $LEASH_INTENT)")
    .option(
      "--scopes-dir <dir>",
      "directory with environments.yaml (default: $LEASH_SCOPES_DIR, else ./scopes when present)",
    )
    .option("--json", "print the classification as JSON")
    .option(
      "--in <dir>",
      "judge the scripts, SQL files and package scripts the command runs as they are in this directory, as a hook does",
    )
    .option(
      "--jsonl",
      'read {"cmd": …, "env"?: …, "intent"?: …} per line on stdin; write one classification per line, in order',
    )
    .addHelpText("after", EXIT_HELP)
    .action(
      async (
        command: string | undefined,
        options: GuardCliOptions & { json?: boolean; jsonl?: boolean; in?: string },
      ) => {
        endQuietlyWhenStdoutCloses();
        if (options.jsonl) {
          if (command !== undefined) throw new Error("give either a command or --jsonl, not both");
          // Every line of a stream is judged on its text alone, so that the same line always gets the same answer.
          if (options.in !== undefined)
            throw new Error("--in judges one command; --jsonl reads only the lines");
          await checkLines(options);
          return;
        }
        if (command === undefined)
          throw new Error('give the command to check, e.g. leash guard check "rm -rf /data", or --jsonl');
        if (command === "-") command = await readCommand();
        const context = await guardContext(options, await guardSettings());
        if (options.in !== undefined) {
          const { projectFilesIn } = await import("../../guard/project-files.ts");
          context.projectFiles = projectFilesIn(resolve(options.in));
        }
        const result = await (await guardClassifier())(command, context);
        process.stdout.write(options.json ? `${terminalSafeJson(result)}\n` : formatClassification(result));
        process.exitCode = GUARD_EXIT[result.decision];
      },
    );
  guard
    .command("eval")
    .description("score the rules on a labelled JSONL file: recall, false positives, misses and commands/s")
    .argument("<file>", 'one {"cmd": …, "destructive": true|false, "env"?: …} object a line')
    .option(
      "--scopes-dir <dir>",
      "directory with environments.yaml (default: $LEASH_SCOPES_DIR, else ./scopes)",
    )
    .option("--json", "print the evaluation as JSON")
    .addHelpText(
      "after",
      "\nExit status: 0 when every destructive command was found, 2 when some were missed, 1 on bad input.",
    )
    .action(async (file: string, options: { scopesDir?: string; json?: boolean }) => {
      endQuietlyWhenStdoutCloses();
      const { readFile } = await import("node:fs/promises");
      const { evaluate, formatEvaluation, parseLabelled } = await import("../../guard/evaluate.ts");
      await (await import("../../guard/sql/postgres-parser.ts")).loadSqlParser();
      const rows = parseLabelled(await readFile(file, "utf8"));
      const environments = await loadGuardEnvironments(options, await guardSettings());
      const result = evaluate(rows, { environments });
      process.stdout.write(options.json ? `${terminalSafeJson(result)}\n` : formatEvaluation(result));
      process.exitCode = result.misses.length ? 2 : 0;
    });
}

/** `… | head -1` closes stdout early: that is the reader's choice, not an error worth a stack trace. */
export function endQuietlyWhenStdoutCloses(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") process.exit(process.exitCode ?? 0);
    throw error;
  });
}

/** The largest command `guard check -` reads, as for a hook's event. */
const MAX_COMMAND_BYTES = 10 * 1024 * 1024;

/** `guard check -`: the command on stdin, without its final newline. */
async function readCommand(): Promise<string> {
  const command = await readStandardText(
    MAX_COMMAND_BYTES,
    "the command on stdin is larger than 10 MiB",
    "the command on stdin is not UTF-8 text",
  );
  return command.replace(/\r?\n$/, "");
}

export function formatClassification(c: Classification): string {
  // Reasons quote the command, which may hold anything: every field is shown, never obeyed.
  const head = `${c.decision.toUpperCase()}  ${c.destructive ? "destructive" : "not destructive"}${c.uncertain ? " (uncertain)" : ""}  environment: ${visibleText(c.environment)}${c.actions.length ? `  actions: ${visibleText(c.actions.join(", "))}` : ""}`;
  return `${head}\n${c.reasons.map((r) => `  - ${visibleText(r)}\n`).join("")}`;
}

/** One --jsonl input line, checked by hand: loading a schema library would cost every hook call its start-up. */
interface Line {
  cmd: string;
  env?: string;
  intent?: string;
  id?: string | number;
}

function readLine(value: unknown): Line | string {
  if (!value || typeof value !== "object" || Array.isArray(value)) return 'expected "cmd": a string';
  const v = value as Record<string, unknown>;
  if (typeof v.cmd !== "string") return 'expected "cmd": a string';
  if (!v.cmd) return '"cmd" is empty';
  if (v.env !== undefined && typeof v.env !== "string") return '"env" must be a string';
  if (v.intent !== undefined && typeof v.intent !== "string") return '"intent" must be a string';
  if (v.id !== undefined && typeof v.id !== "string" && typeof v.id !== "number")
    return '"id" must be a string or number';
  return v as unknown as Line;
}

type Classifier = Awaited<ReturnType<typeof guardClassifier>>;

/**
 * The answers already given in one --jsonl run, keyed by the raw input line: the rules read nothing but the line and
 * the run's context (flags, token, environments.yaml), so the same line always gets the same answer. An agent's
 * history repeats itself (`git status`, `ls`, the same test command), and re-reading a line costs the shell walk,
 * SQL and JSON again. Holds the output after the line number; only rule answers are kept, never the model's.
 */
class AnswerMemo {
  /** A bounded memory: long lines are rare repeats, and a full memo starts over rather than grow. */
  static readonly MAX_ENTRIES = 4096;
  static readonly MAX_LINE = 2048;
  private readonly answers = new Map<string, string>();

  get(line: string): string | undefined {
    return this.answers.get(line);
  }

  set(line: string, afterLineNumber: string): void {
    if (line.length > AnswerMemo.MAX_LINE) return;
    if (this.answers.size >= AnswerMemo.MAX_ENTRIES) this.answers.clear();
    // A line split from a chunk of stdin is a slice that keeps the whole chunk alive: the memo keeps a copy. Slicing a
    // concatenation copies the characters into a string of their own (a third of a UTF-8 round trip's cost).
    this.answers.set(` ${line}`.slice(1), afterLineNumber);
  }
}

/** `{"line":n,…}` from the rest of the object: the line number is always the first field. */
const numbered = (n: number, afterLineNumber: string) => `{"line":${n},${afterLineNumber}`;

/**
 * A rule answer's JSON after `{"line":n,`, written field by field in the order of JSON.stringify on
 * `{ id, ...result }` (the Classification's fields as decide() builds them), without the intermediate object.
 */
function answerFields(id: string | number | undefined, r: Classification): string {
  const idField = id === undefined ? "" : `"id":${JSON.stringify(id)},`;
  return terminalSafeJsonText(
    `${idField}"destructive":${r.destructive},"decision":${JSON.stringify(r.decision)},"actions":${JSON.stringify(r.actions)},"environment":${JSON.stringify(r.environment)},"reasons":${JSON.stringify(r.reasons)},"uncertain":${r.uncertain}}`,
  );
}

/** The line's context: the run's own object when the line changes nothing, so most lines allocate none. */
function lineContext(base: GuardContext, env: string | undefined, intent: string | undefined): GuardContext {
  if (env === undefined && intent === undefined) return base;
  return {
    env: env ?? base.env,
    intent: intent ?? base.intent,
    intentSource: intent !== undefined ? "the line" : base.intentSource,
    environments: base.environments,
  };
}

/** One input line's output line (without the newline); a bad line gets an error object, not a crash. */
function checkLine(
  classifier: Classifier,
  base: GuardContext,
  line: string,
  n: number,
  memo?: AnswerMemo,
): string | Promise<string> {
  const known = memo?.get(line);
  if (known !== undefined) return numbered(n, known);
  const failed = (error: unknown) =>
    terminalSafeJson({
      line: n,
      error: {
        code: error instanceof SyntaxError ? "bad_json" : "classify_failed",
        message: error instanceof Error ? error.message : String(error),
      },
    });
  try {
    const parsed = readLine(JSON.parse(line));
    if (typeof parsed === "string")
      return terminalSafeJson({ line: n, error: { code: "invalid_line", message: parsed } });
    const { cmd, env, intent, id } = parsed;
    const result = classifier(cmd, lineContext(base, env, intent));
    // The rules answer at once; only the model's second opinion is a promise.
    if (result instanceof Promise)
      return result.then(
        (modelled) => terminalSafeJson({ line: n, ...(id !== undefined ? { id } : {}), ...modelled }),
        failed,
      );
    const rest = answerFields(id, result);
    // A line is remembered whole, its id included: a line with an id of its own never comes again, and remembering
    // it would only cost the copy and the garbage collector's work of keeping thousands of such lines alive.
    if (id === undefined) memo?.set(line, rest);
    return numbered(n, rest);
  } catch (error) {
    return failed(error);
  }
}

/**
 * One JSON object per input line → one per output line, in order. Reads stdin in chunks, and awaits only the model:
 * readline's async iterator and a promise per line cost about 7% of the throughput.
 */
async function checkLines(options: GuardCliOptions): Promise<void> {
  const base = await guardContext(options, await guardSettings());
  // The rules are hundreds of small functions, and V8's default makes each one that runs a few hundred times a job
  // for the optimising compiler: over a 40,000-line stream that compiling, on other cores, is about a third of the
  // process's CPU time. Four times the default budget leaves that to the functions that really are hot; a longer
  // stream reaches the same optimised code a little later. The answers are the same either way.
  setFlagsFromString(`--interrupt-budget=${4 * 66 * 1024}`);
  // What the optimising compiler inlines into a rule is most of its compile time (a quarter of a second for the
  // largest command tables), paid again when the rule is deoptimised: a quarter of V8's default inlining budget halves
  // that compiling and costs the optimised rules almost nothing, about 8% of a stream's CPU in all.
  setFlagsFromString("--max-inlined-bytecode-size-cumulative=230");
  // A stream of commands pays for the SQL parser once, and then classifies synchronously (no promise per line).
  const [{ classify }, { useBaselineCompilerForSqlParser, loadSqlParser }] = await Promise.all([
    import("../../guard/classifier.ts"),
    import("../../guard/sql/postgres-parser.ts"),
  ]);
  // Optimising the parser's grammar costs about half a CPU second on other cores, which only a stream of tens of
  // thousands of SQL statements wins back.
  useBaselineCompilerForSqlParser();
  await loadSqlParser();
  const modelled = await guardClassifier();
  const withModel = Boolean(await guardModelSettings());
  const classifier: Classifier = withModel ? modelled : classify;
  // A model may answer the same line differently: its answers are never reused.
  const memo = withModel ? undefined : new AnswerMemo();
  let n = 0;
  let rest = "";
  const out = new LineBytes();
  const write = async (chunk: Buffer) => {
    if (chunk.length && !process.stdout.write(chunk)) {
      await new Promise((resolve) => process.stdout.once("drain", resolve));
    }
  };
  const answer = async (lines: string[]) => {
    for (const raw of lines) {
      n++;
      const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
      if (!line.trim()) continue;
      const record = checkLine(classifier, base, line, n, memo);
      out.add(typeof record === "string" ? record : await record);
    }
    await write(out.take());
  };
  process.stdin.setEncoding("utf8");
  for await (const chunk of process.stdin as AsyncIterable<string>) {
    const lines = (rest + chunk).split("\n");
    rest = lines.pop()!;
    await answer(lines);
  }
  if (rest) await answer([rest]);
}
