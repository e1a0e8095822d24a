// The runner both shell readers feed: each simple command, with its environment, stdin and redirections, goes to
// the command tables, and what it writes to is judged.
import type { Analysis } from "../analysis.ts";
import { clip } from "../clis/carried-text.ts";
import { judgeCommandVariable } from "../clis/command-variables.ts";
import { analyzeWriteTarget, analyzeWrittenSettings } from "../clis/files.ts";
import { analyzeSocketData } from "../clis/http-clients.ts";
import { invoke } from "../clis/index.ts";
import type { InvocationContext } from "../command.ts";
import { freshTemporaryWord, makesFreshTemporary } from "../fresh-temporary.ts";
import { pipelineOutput } from "../payloads.ts";
import {
  arithmeticReach,
  judgeArithmetic,
  judgeDeclaredWord,
  judgeReach,
  judgeSubscriptedName,
  SOME_NUMBER,
  subscriptReach,
  UNKNOWN_OUTPUT,
} from "../shell-arithmetic.ts";
import { declaredName, UNKNOWN_NAMEREF_TARGET } from "../shell-nameref.ts";
import { positionalOf, setPositional } from "../shell-positional.ts";
import { shellQuoted } from "../shell-quote.ts";
import { printsShellSetup } from "../shell-setup.ts";
import { hasGlobChar, literal, type Word } from "../word.ts";
import type { WrittenFile } from "../written-files.ts";
import { diskPath, judgeProjectFile } from "../written-scripts.ts";
import { joined, setByBuiltin } from "./builtin-variables.ts";
import { CALLS_NOT_FOLLOWED, CallStack } from "./call-stack.ts";
import {
  addWay,
  Choices,
  eitherOf,
  holdsSeveralValues,
  type LoopFrame,
  MAX_ITERATIONS,
  MAX_READS,
  sameWay,
  TOO_MANY_COMBINATIONS,
  unknownWhereChanged,
  type Way,
} from "./control-flow.ts";
import { NamerefTable } from "./namerefs.ts";
import { printsNumber } from "./numeric-output.ts";
import { scriptOperand } from "./script-operand.ts";

const NETWORK_DEVICE = /^\/dev\/(?:tcp|udp)\//;
/** A `>&` target that names a descriptor (`>&3`, `>&-`, `>&3-`) rather than a file. */
const DESCRIPTOR = /^(?:\d+-?|-)$/;
/** Bash gives `{name}<>…` descriptors from 10 up. */
const FIRST_NAMED_FD = 10;

/** One simple command as the runner saw it, recorded for tests that compare the readers. */
export interface TraceEntry {
  argv: Word[];
  env: Record<string, string>;
  stdin: string | null;
  piped: boolean;
  writes: { target: string; append: boolean }[];
}

export interface Feed {
  data: Buffer | null;
  hint: string;
  /** The file on disk whose text the output is, when the line cannot know it (`cat q.sql |`). */
  file?: Word;
}
export const NO_FEED: Feed = { data: null, hint: "" };

/** `dupout` is `>&` (output to a descriptor, or to a file when the target is not one); `dup` is `<&`. */
export type RedirectKind = "write" | "append" | "in" | "heredoc" | "herestring" | "dup" | "dupout";
export interface Redirect {
  kind: RedirectKind;
  target: Word;
  /** The descriptor before the operator (`3<>`, `2>`), or `{name}` for one the shell picks. */
  fd?: string;
}
export interface Assign {
  name: string;
  value: Word | null;
  append: boolean;
}

/** Descriptors that carry the command's output: stdout, and stderr, which `2>&1` joins to it. */
const STANDARD_OUTPUT = /^[12]$/;
const ALIAS_DEFINITION = /^([^\s=/$`'"]+)=(.*)$/s;
/** Alias text that is more than words: operators, quotes, expansions. */
const SCRIPT_TEXT = /[;&|<>()`$'"\\\n]/;
const BLANK = /\s/;
const BLANKS = /\s+/;
const TRAILING_NEWLINES = /\n+$/;
const NAME_CHAR = /^[A-Za-z0-9_]$/;
const NAMES = /[A-Za-z_][A-Za-z0-9_]*/g;
/** A nameref's target whose subscript reads a variable, whose value at each use is what bash evaluates. */
const SUBSCRIPT_READING_A_NAME = /^[A-Za-z_][A-Za-z0-9_]*\[.*[A-Za-z_].*\]$/s;

export const dynamicWord = (t: string): Word => ({ text: t, dynamic: true, glob: false });
export const EMPTY_WORD: Word = { text: "", dynamic: false, glob: false };
/** What `<(…)` and `>(…)` expand to: a descriptor path only known when the shell runs. */
const PROCESS_SUBSTITUTION_PATH = "/dev/fd/63";
/** Descriptors a `<` redirection without a number, or with 0, points stdin at. */
const STANDARD_INPUT = /^0?$/;

/** `cat FILE`: the one file it prints, when that is a file on disk the line did not write. */
function printedFile(argv: readonly Word[], an: Analysis): Word | undefined {
  if (argv[0]?.text !== "cat" || argv[0].dynamic || argv.length !== 2) return undefined;
  const file = argv[1]!;
  return !diskPath(file) || file.text.startsWith("-") || an.written.find(file) ? undefined : file;
}

/**
 * Programs that run what they read on stdin as it is written, statement by statement: shells and database clients
 * (a program's code may hold handlers that never run, so interpreters are not among them).
 */
const STDIN_SCRIPT_READERS = new Set(
  "sh bash zsh dash ksh mksh ash psql mysql mariadb sqlite3 duckdb clickhouse-client redis-cli mongosh mongo cqlsh".split(
    " ",
  ),
);
/** What a `<(…)` writes: its bytes when known, its last command's words for the reasons, and whether it ran only that. */
interface SubstitutedOutput {
  data: Buffer | null;
  hint: string;
  lastCommand: readonly Word[];
  onlyCommand: boolean;
}
/** `kubectl completion bash`: a CLI printing its completion script, which a shell sources to define functions. */
const COMPLETION_SUBCOMMAND = /^completions?$/;
const UNSEEN_NAMEREF_VALUE =
  "a name reference takes its target from a value the guard does not follow (read, printf -v, eval…), whose subscript bash would evaluate at each use";
/** The target of a nameref given a value the guard does not see. */
const UNSEEN_VALUE: Word = { text: "$(…)", dynamic: true, glob: false };

export class ShellRunner {
  /**
   * Descriptors that `exec 3<>/dev/tcp/host/port` opened on the shell itself, by number: a later `printf … >&3` sends
   * its output there, and is judged as what it sends.
   */
  private readonly sockets = new Map<string, string>();
  private nextNamedFd = FIRST_NAMED_FD;
  /**
   * `alias name='…'` defined earlier on the line: a command named so runs what the alias says; each text defined
   * for the name, as one defined in a branch may or may not have replaced the one before.
   */
  private readonly aliases = new Map<string, string[]>();
  /**
   * What the commands of each `<(…)` are known to write, by the word the substitution expanded to: `cmd < <(inner)`
   * reads it as its stdin, as `inner | cmd` does; `bash <(inner)` runs it as `inner | bash` does. The walkers keep a
   * word made of one substitution as this very object.
   */
  private readonly substitutedOutput = new WeakMap<Word, SubstitutedOutput>();
  /**
   * What the first command inside `>(…)` reads: what the outer command writes there, which the guard does not follow
   * (`echo … > >(bash)` runs it as `… | bash` would).
   */
  private writtenInput: Feed | null = null;
  /** Simple commands called so far, and the words of the last: what a `<(…)` ran, once it has run. */
  private calls = 0;
  private lastCommand: readonly Word[] = [];
  /** Whether the last simple command was mktemp making a file or directory (fresh-temporary.ts). */
  private lastMadeTemporary = false;
  /** Whether the last simple command printed its program's own shell set-up (shell-setup.ts). */
  private lastPrintedSetup = false;
  /** Names declared integer (`declare -i`): a value assigned to one is evaluated as arithmetic. */
  private readonly integers = new Set<string>();
  /** Name references (`declare -n`): kept, as variables are, per subshell. */
  private namerefs = new NamerefTable();
  /**
   * The words and input of the commands run so far, which may set a variable the guard does not follow (`read r`,
   * `printf -v r`, `eval "r=…"`): `declare -n r` makes such a value a target.
   */
  private readonly mentions: string[] = [];
  /** Texts a nameref's subscript expands, with the values of the names in them, that were judged already. */
  private readonly judgedSubscripts = new Set<string>();
  /** Every target given to a nameref whose subscript reads a variable: bash reads its value at each use. */
  private readonly subscriptsReadingNames: Word[] = [];
  /**
   * While a `$(…)` is read: for each command whose output goes out of it rather than down a pipe, whether it prints
   * only a number.
   */
  private outputs: boolean[] | null = null;
  /**
   * The stdin commands inherit: the agent's, or what an enclosing compound command, a function's call or `exec <`
   * points it at (a file, a pipe), with its text when the line wrote it.
   */
  private stdin: Stdin = AGENT_STDIN;
  /** The functions defined so far, and the calls being followed. */
  private readonly functions = new CallStack();
  /** How many function bodies are being read where they are defined. */
  private definitionsRead = 0;
  /** Names declared associative (`declare -A`), whose subscripts are strings rather than arithmetic. */
  private associative = new Set<string>();
  /** The loops being read, innermost last: where their `break` and `continue` go. */
  private readonly loops: LoopFrame[] = [];
  /** The function bodies being read, innermost last: the states their `return`s leave. */
  private readonly returns: Way[][] = [];
  /** While a command is read once for each value its variables may hold: the values of this reading. */
  private choices: Choices | null = null;

  constructor(
    readonly an: Analysis,
    public vars: Map<string, Word>,
    private readonly trace?: TraceEntry[],
  ) {}

  scoped<T>(run: () => T): T {
    const saved = this.vars;
    const savedNamerefs = this.namerefs;
    this.vars = new Map(saved);
    this.namerefs = new NamerefTable(savedNamerefs);
    try {
      return run();
    } finally {
      this.vars = saved;
      this.namerefs = savedNamerefs;
    }
  }

  /** The state now, as one way the line may have gone: the variables and the files written. */
  here(): Way {
    return { vars: new Map(this.vars), files: this.an.written.saved() };
  }

  /** Back to a state, to read another way the line may go from there. */
  restore(way: Way): void {
    this.vars = new Map(way.vars);
    this.an.written.restore(way.files);
  }

  /** Past a point the line reaches by any of `ways`: each variable holds every value they leave it. */
  join(ways: readonly Way[]): void {
    this.vars = ways.length === 1 ? new Map(ways[0]!.vars) : eitherOf(ways.map((w) => w.vars));
    this.an.written.join(ways.map((w) => w.files));
    this.followNamerefs(this.vars);
  }

  /**
   * An and-or list (`first && … || …`): each pipeline after `&&` runs from the states where the list before it
   * succeeded, each after `||` from those where it failed; any pipeline may succeed or fail. Past the list, the state
   * any way through it left.
   */
  andOr(first: () => void, rest: readonly { or: boolean; run: () => void }[]): void {
    first();
    let succeeded = [this.here()];
    let failed = [...succeeded];
    for (const { or, run } of rest) {
      this.join(or ? failed : succeeded);
      run();
      const after = this.here();
      if (or) {
        addWay(succeeded, after);
        failed = [after];
      } else {
        succeeded = [after];
        addWay(failed, after);
      }
    }
    this.join([...succeeded, ...failed]);
  }

  /**
   * A loop. Its `test` (a while loop's condition) and `body` are read from the state before the loop, then again from
   * the state past every iteration read so far, until an iteration leaves no variable a new value; those still
   * changing after MAX_ITERATIONS hold text the guard cannot know, and are read once more so. The loop ends after a
   * test, at a `break`, and (with no test) after any iteration, or before the first when `mayNotRun`.
   */
  loop(body: () => void, test?: () => void, mayNotRun = false): void {
    const entry = this.here();
    const exits: Way[] = mayNotRun ? [entry] : [];
    let start = entry;
    for (let n = 0; ; n++) {
      this.restore(start);
      if (test) {
        test();
        exits.push(this.here());
      }
      const frame: LoopFrame = { breaks: [], continues: [] };
      this.loops.push(frame);
      try {
        body();
      } finally {
        this.loops.pop();
      }
      const end = this.here();
      exits.push(...frame.breaks);
      if (!test) exits.push(end, ...frame.continues);
      this.join([start, end, ...frame.continues]);
      const next = this.here();
      if (sameWay(next, start) || n > MAX_ITERATIONS) break;
      start = n < MAX_ITERATIONS ? next : unknownWhereChanged(start, next);
    }
    this.join(exits);
  }

  /**
   * Reads one command (`run` expands its words and runs it) once for each combination of the values its variables may
   * hold, each reading taking one; past it, each variable holds every value the readings left it. `merge` makes one
   * result of theirs.
   */
  eachValue<T>(run: () => T, merge: (results: T[]) => T): T {
    if (this.choices || !holdsSeveralValues(this.vars)) return run();
    const start = this.here();
    const results: T[] = [];
    const ways: Way[] = [];
    let plan: number[] = [];
    for (;;) {
      this.restore(start);
      const choices = new Choices(plan);
      this.choices = choices;
      try {
        results.push(run());
      } finally {
        this.choices = null;
      }
      ways.push(this.here());
      const next = choices.next();
      if (!next) break;
      if (results.length === MAX_READS) {
        this.an.uncertain(TOO_MANY_COMBINATIONS, true);
        break;
      }
      plan = next;
    }
    if (ways.length > 1) this.join(ways);
    return merge(results);
  }

  /** A variable's value as the command being read expands it: while each of several is read in turn, this one. */
  value(name: string, vars: ReadonlyMap<string, Word> = this.vars): Word | undefined {
    const value = vars.get(name);
    return value?.values && this.choices ? this.choices.pick(value) : value;
  }

  /** A loop's `break` or `continue`, `levels` loops out (all of them when only known at run time). */
  private jump(kind: "breaks" | "continues", levels: Word | undefined): void {
    const count = !levels ? 1 : !levels.dynamic && /^[1-9][0-9]*$/.test(levels.text) ? +levels.text : null;
    const frames = count === null ? this.loops : [this.loops.at(-Math.min(count, this.loops.length))];
    for (const frame of frames) frame?.[kind].push(this.here());
  }

  /** Reads a function's body: where a `return` leaves it, the call may end. */
  private returning(body: () => void): void {
    this.returns.push([]);
    let returned: Way[] = [];
    try {
      body();
    } finally {
      returned = this.returns.pop()!;
    }
    if (returned.length) this.join([this.here(), ...returned]);
  }

  /**
   * In `"${x:+'$(…)'}"` the single quotes are plain characters and the command runs, but both readers hold a quoted
   * string: such a word is asked about.
   */
  singleQuotedCommand(): void {
    this.an.uncertain(
      "a parameter's word holds a command substitution in single quotes, which runs inside double quotes",
      true,
    );
  }

  /**
   * An assignment lands on what a nameref points at (`declare -n r=x; r=1` sets x); a nameref not yet given a target
   * takes the value as its target (`declare -n r; r=x`).
   */
  assign(a: Assign, into: Map<string, Word>): void {
    const value = a.value ?? EMPTY_WORD;
    const names = this.namerefs.resolve(a.name) ?? [a.name];
    if ([a.name, ...names].some((name) => this.integers.has(name))) this.arithmetic(value);
    for (const name of names) {
      if (this.namerefs.unbound(name)) {
        if (value.text !== "" || value.dynamic) this.bindNameref(name, [value]);
        continue;
      }
      const previous = a.append ? this.value(name, into) : undefined;
      const assigned = previous
        ? { text: previous.text + value.text, dynamic: previous.dynamic || value.dynamic, glob: false }
        : value;
      into.set(name, assigned);
      // PAGER, PROMPT_COMMAND, BASH_ENV…: a command some program runs later, whichever reads it.
      if (a.value) judgeCommandVariable(name, assigned, this.vars, this.an);
    }
    this.followNamerefs(into);
  }

  /**
   * `declare -n NAME=value` (value null for a bare name, whose value so far becomes its target): the target is judged
   * here, once, as shell-nameref.ts says why.
   */
  declareNameref(name: string, value: Word | null): void {
    if (value) this.bindNameref(name, [value]);
    else if (!this.namerefs.has(name)) {
      const existing = this.vars.get(name);
      if (existing && (existing.text !== "" || existing.dynamic)) this.bindNameref(name, [existing]);
      else if (this.mentioned(name)) this.bindNameref(name, [UNSEEN_VALUE]);
      else this.namerefs.bind(name, []);
    }
    this.followNamerefs(this.vars);
  }

  /**
   * A declaration naming a nameref without `-n`: in a function `local r` or `declare r` shadows it, and `declare +n r`
   * removes it, which the guard does not tell apart from assigning through it.
   */
  redeclared(name: string): void {
    if (!this.namerefs.followed(name)) return;
    this.namerefs.unfollow(name);
    this.vars.delete(name);
  }

  /**
   * A function's body, where it is defined or called: the namerefs it declares or changes are its own (`local -n`,
   * or `declare -n` inside it), so past it the guard no longer tells where they point.
   */
  private functionBody(run: () => void): void {
    const before = new NamerefTable(this.namerefs);
    run();
    for (const name of this.namerefs.changedSince(before)) this.redeclared(name);
  }

  /**
   * `NAME() { …; }`: the body is read here, in a scope of its own, for what it runs even where no call is seen; each
   * call reads it again with the variables as they are then. One defined in a subshell (a pipeline's stage) is not
   * `kept` for the commands after it.
   */
  defineFunction(name: string, body: () => void, kept: boolean, syntax: object): void {
    this.definitionsRead++;
    try {
      this.scoped(() => this.functionBody(() => this.returning(body)));
    } finally {
      this.definitionsRead--;
    }
    if (kept) this.functions.define(name, body, syntax);
  }

  /**
   * A call of a function: its body (each one read for the name, when a branch may have chosen) runs with the call's
   * words as positional parameters, and its locals, positional parameters and prefix assignments end when it
   * returns, as in bash; what else it assigns stays. Past the depth or count followed, the call is asked about.
   */
  private callFunction(command: Word, args: readonly Word[], assigns: readonly Assign[], stdin: Stdin): void {
    const bodies = this.functions.bodies(command);
    // A call inside a body read where it is defined is followed when that body is called.
    if (!bodies.length || this.definitionsRead) return;
    if (!this.functions.enter()) {
      this.an.uncertain(CALLS_NOT_FOLLOWED, true);
      return;
    }
    const before = bodies.length > 1 ? this.here() : null;
    const associative = this.associative;
    const outcomes = bodies.map((body) => {
      if (before) this.restore(before);
      this.associative = new Set(associative);
      this.functions.push();
      try {
        this.setPositional(args);
        for (const a of assigns) {
          this.functions.keep(a.name, this.vars);
          this.assign(a, this.vars);
        }
        this.withStdin(stdin.fromLine ? stdin : null, () => this.functionBody(() => this.returning(body)));
      } finally {
        this.functions.pop(this.vars);
      }
      return this.here();
    });
    if (before) this.join(outcomes);
    this.associative = associative;
  }

  /**
   * `eval 'f …'` and `trap 'f' EXIT` run shell text in this shell, which the guard reads apart, where the line's
   * functions are unknown: a function the text names is called here, with arguments the guard does not know.
   */
  private callsInText(argv: readonly Word[], stdin: Stdin): void {
    const builtin = argv.find((w) => w.dynamic || (w.text !== "builtin" && w.text !== "command"));
    if (!builtin || builtin.dynamic || !RUNS_SHELL_TEXT.has(builtin.text)) return;
    const texts = argv.slice(argv.indexOf(builtin) + 1).map((w) => w.text);
    for (const name of this.functions.names())
      if (texts.some((text) => mentionsName(text, name)))
        this.callFunction(literal(name), [dynamicWord(UNKNOWN_OUTPUT)], [], stdin);
  }

  /**
   * `local NAME`, or `declare NAME` in a function: NAME's value before is back when the function returns. Outside a
   * function (a body read where it is defined) nothing is kept: that reading's assignments are dropped.
   */
  declareLocal(name: string): void {
    this.functions.keep(name, this.vars);
  }

  /** `declare -A NAME`: NAME's subscripts are strings, which bash does not evaluate. */
  declareAssociative(name: string): void {
    this.associative.add(name);
  }

  /**
   * Runs what reads a stdin the line points somewhere (`while read l; do …; done < file`, `… | { sh; }`): the
   * commands inside that read it without a redirection of their own read it, its text when the line wrote it.
   */
  withStdin<T>(stdin: Stdin | null, run: () => T): T {
    if (!stdin) return run();
    const outer = this.stdin;
    this.stdin = stdin;
    try {
      return run();
    } finally {
      this.stdin = outer;
    }
  }

  /** Positional parameters set in a function are its own until it returns. */
  private setPositional(words: readonly Word[]): void {
    setPositional(this.vars, words, (name) => this.functions.keep(name, this.vars));
  }

  /**
   * What a builtin sets by name (builtin-variables.ts): what `read` or `mapfile` took from a stdin the line points
   * somewhere is text the guard cannot know unless the line wrote it (`<<< '…'`); from the agent's own stdin it is
   * as unknown as the environment.
   */
  private setByBuiltin(argv: readonly Word[], stdin: Stdin): void {
    const set = setByBuiltin(argv, positionalOf(this.vars));
    if (!set) return;
    if (set.read) {
      const text = set.read.ownDescriptor ? undefined : stdin.data?.toString("utf8");
      const exact = text !== undefined && (set.read.raw || !text.includes("\\"));
      // A line from a stream the guard cannot read says where it came from, should it be run as a command.
      const value =
        exact && set.read.line
          ? joined(linesOf(text))
          : exact
            ? dynamicWord(text)
            : stdin.fromLine && !set.read.ownDescriptor
              ? {
                  ...dynamicWord(UNKNOWN_OUTPUT),
                  unread: `a line read from ${stdin.hint ? `\`${clip(stdin.hint)}\`` : "a stream"}`,
                }
              : set.read.ownDescriptor
                ? dynamicWord(UNKNOWN_OUTPUT)
                : null;
      for (const name of set.read.names)
        this.assign({ name, value: value ?? dynamicWord(`$${name}`), append: false }, this.vars);
    }
    for (const { name, value } of set.values ?? []) this.assign({ name, value, append: false }, this.vars);
    if (set.positional) this.setPositional(set.positional);
    if (set.shift !== undefined) {
      const words = positionalOf(this.vars);
      // Shifted by a count only known at run time, each parameter may be any of them.
      if (words)
        this.setPositional(set.shift === null ? words.map(() => joined(words)) : words.slice(set.shift));
    }
  }

  /** `for NAME in items`: a nameref points at each item in turn (`declare -n ref; for ref in a b`). */
  loopVariable(name: string, items: readonly Word[]): void {
    if (this.namerefs.has(name)) this.bindNameref(name, items.length ? items : [dynamicWord("$@")]);
    // Each item in turn; file names a pattern matched are text the guard cannot know: the value keeps the pattern.
    else
      this.vars.set(
        name,
        items.length
          ? joined(items.map((i) => (i.glob ? { ...i, dynamic: true } : i)))
          : dynamicWord(`$${name}`),
      );
    this.followNamerefs(this.vars);
  }

  private bindNameref(name: string, targets: readonly Word[]): void {
    for (const target of targets) {
      if (target === UNSEEN_VALUE) this.an.uncertain(UNSEEN_NAMEREF_VALUE, true);
      else if (target.dynamic) this.an.uncertain(UNKNOWN_NAMEREF_TARGET, true);
      else if (SUBSCRIPT_READING_A_NAME.test(target.text)) this.subscriptsReadingNames.push(target);
      if (!target.dynamic) this.judgeNamerefSubscript(target);
    }
    this.namerefs.bind(name, targets);
    this.vars.delete(name);
  }

  /**
   * What a target's subscript expands is judged again as its variables change, once for each text with the values
   * of the names in it (`$($c)` runs another command once c changes).
   */
  private judgeNamerefSubscript(target: Word): void {
    const reach = subscriptReach(target, this.vars);
    const expanded = reach.expanded.filter((text) => {
      const key = [text, ...(text.match(NAMES) ?? []).map((name) => this.vars.get(name)?.text)].join("\0");
      if (this.judgedSubscripts.has(key)) return false;
      this.judgedSubscripts.add(key);
      return true;
    });
    judgeReach({ expanded, unfollowed: reach.unfollowed, unknown: reach.unknown }, this.vars, this.an);
  }

  /**
   * After a change of variables, a nameref's value is its target's (several targets: their values together, as a
   * loop's variable), and a target's subscript that reads a variable is judged again with the new values: bash
   * evaluates it at each use, which may come later, even from a function read earlier.
   */
  private followNamerefs(vars: Map<string, Word>): void {
    if (!this.namerefs.size && !this.subscriptsReadingNames.length) return;
    for (const target of this.subscriptsReadingNames) this.judgeNamerefSubscript(target);
    for (const name of this.namerefs.names()) {
      const ends = this.namerefs.resolve(name);
      if (!ends || (ends.length === 1 && ends[0] === name)) continue;
      if (ends.length > 1)
        vars.set(name, dynamicWord(ends.map((end) => vars.get(end)?.text ?? `$${end}`).join(" ")));
      else {
        const value = vars.get(ends[0]!);
        if (value) vars.set(name, value);
        else vars.delete(name);
      }
    }
  }

  /**
   * A command's words and input may set a variable (`read r`, `printf -v r`, `eval "r=…"`) or remove a nameref
   * (`unset -n r`): a nameref without a target may take one the guard does not see, one with a target is no longer
   * followed.
   */
  private mention(argv: readonly Word[], redirects: readonly Redirect[], alias: string | undefined): void {
    const texts = argv.map((w) => w.text);
    for (const r of redirects) if (r.kind === "heredoc" || r.kind === "herestring") texts.push(r.target.text);
    if (alias !== undefined) texts.push(alias);
    this.mentions.push(...texts);
    if (!this.namerefs.size) return;
    for (const name of this.namerefs.names()) {
      if (!texts.some((text) => mentionsName(text, name))) continue;
      if (this.namerefs.unbound(name)) this.bindNameref(name, [UNSEEN_VALUE]);
      else this.redeclared(name);
    }
  }

  private mentioned(name: string): boolean {
    return this.mentions.some((text) => mentionsName(text, name));
  }

  /**
   * One simple command. Arguments were expanded with the shell's variables; prefix assignments only form the
   * command's environment (as in a shell: `X=1 echo $X` prints the old X, `X=1 sh -c 'echo $X'` prints 1).
   * Returns the command's stdout when it can be known statically, for the next pipeline stage.
   */
  call(assigns: Assign[], argv: Word[], redirects: Redirect[], feed?: Feed): Feed {
    if (this.outputs) {
      // A command reading a pipe takes the previous one's output: only the last stage's leaves the substitution.
      if (feed !== undefined) this.outputs.pop();
      this.outputs.push(printsNumber(argv));
    }
    if (feed === undefined && this.writtenInput) {
      feed = this.writtenInput;
      this.writtenInput = null;
    }
    this.calls++;
    this.lastCommand = argv;
    this.lastMadeTemporary = false;
    this.lastPrintedSetup = false;
    if (argv[0]?.text === "alias" && !argv[0].dynamic) this.defineAliases(argv.slice(1));
    const aliases = argv[0] && !argv[0].dynamic ? this.aliases.get(argv[0].text) : undefined;
    this.mention(argv, redirects, aliases?.join("\n"));
    if (aliases !== undefined)
      return sameOutput(aliases.map((alias) => this.callAlias(alias, assigns, argv, redirects, feed)));
    if (argv.length === 0) {
      for (const a of assigns) this.assign(a, this.vars);
      // `> x` alone leaves x empty.
      this.writes(redirects, "", "a redirection alone");
      return this.readAlone(redirects);
    }
    const script = this.substitutedScript(argv);
    if (script) {
      // The script's own stdin is what the command's `<` redirections give; the shell reads its script elsewhere.
      const fed = { data: script.output.data, hint: script.output.hint };
      if (!script.withArguments) {
        const kept = redirects.filter((r) => !(IN_KINDS.has(r.kind) && STANDARD_INPUT.test(r.fd ?? "")));
        return this.call(assigns, script.readsStdin, kept, fed);
      }
      // The script's arguments are only words to it, but what they say (`--purge`) still counts, as it does for
      // a program the guard cannot name: the command is read both ways.
      this.call(assigns, script.readsStdin, [], fed);
    }
    const env = assigns.length ? new Map(this.vars) : this.vars;
    for (const a of assigns) this.assign(a, env);
    this.lastMadeTemporary =
      !this.functions.bodies(argv[0]!).length && makesFreshTemporary(argv, redirects, env);
    this.lastPrintedSetup =
      !this.functions.bodies(argv[0]!).length && redirects.length === 0 && printsShellSetup(argv);
    // Without a pipe or a redirection of its own, a command reads the stdin it inherits.
    const inherited = feed === undefined && !redirects.some(pointsStdin) && this.stdin.fromLine;
    const context = this.invocationContext(redirects, feed ?? (inherited ? this.stdin : undefined), env);
    const ownStdin = feed !== undefined || redirects.some(pointsStdin);
    const stdin: Stdin = ownStdin ? stdinOfContext(context) : this.stdin;
    if (argv.length === 1 && argv[0]!.text === "exec" && ownStdin) this.stdin = stdin;
    const hint = argv.map((w) => w.text).join(" ");
    const out: Feed = { data: null, hint };
    if (this.trace) {
      this.trace.push({
        argv,
        env: Object.fromEntries(assigns.map((a) => [a.name, env.get(a.name)?.text ?? ""])),
        stdin: context.stdin?.toString("utf8") ?? null,
        piped: context.piped,
        writes: redirects
          .filter((r) => r.kind === "write" || r.kind === "append")
          .map((r) => ({ target: r.target.text, append: r.kind === "append" })),
      });
    }
    const an = this.an;
    an.nest(() => {
      out.data = pipelineOutput(invoke(argv, context, an), an.written);
    });
    if (out.data === null) out.file = printedFile(argv, an);
    const fromDisk = this.scriptOnStdin(argv, redirects, feed);
    // `psql < q.sql`, `cat x.sh | sh`: the file on disk where the command runs is fed to it as well; the call as read
    // without it stands, since the file may change before it runs.
    if (fromDisk)
      judgeProjectFile(an, argv[0]!.text, fromDisk, (text) =>
        an.nest(() =>
          invoke(argv, { ...context, stdin: Buffer.from(text), piped: false, stdinWritten: undefined }, an),
        ),
      );
    const sockets = this.openSockets(argv, redirects);
    const sent = out.data?.toString("utf8") ?? null;
    const unseen = out.data === null ? hint : null;
    for (const r of redirects) {
      if (r.fd && !STANDARD_OUTPUT.test(r.fd)) continue;
      // Bash's `> /dev/tcp/host/port` sends the output to the network, as `| nc host port` does.
      if ((r.kind === "write" || r.kind === "append") && NETWORK_DEVICE.test(r.target.text))
        an.nest(() => analyzeSocketData(`> ${r.target.text}`, sent, unseen, an));
      // `>&3` after `exec 3<>/dev/tcp/…` sends it there too; a descriptor in a variable may be any open one.
      const device =
        r.kind === "dupout"
          ? (sockets.get(r.target.text) ?? (r.target.dynamic ? [...sockets.values()].at(-1) : undefined))
          : undefined;
      if (device) an.nest(() => analyzeSocketData(`>&${r.target.text} (${device})`, sent, unseen, an));
    }
    this.writes(redirects, sent, hint);
    if (argv[0]!.text === "break" && !argv[0]!.dynamic) this.jump("breaks", argv[1]);
    else if (argv[0]!.text === "continue" && !argv[0]!.dynamic) this.jump("continues", argv[1]);
    else if (argv[0]!.text === "return" && !argv[0]!.dynamic) this.returns.at(-1)?.push(this.here());
    this.setByBuiltin(argv, stdin);
    if (inherited && !this.functions.bodies(argv[0]!).length) this.stdin = leftAfter(argv, this.stdin);
    this.callFunction(argv[0]!, argv.slice(1), assigns, stdin);
    this.callsInText(argv, stdin);
    return out;
  }

  /**
   * The file a shell or a database client reads its commands from (`< file`, or `cat file |`), when the line did not
   * write it: where the command is judged on its machine, its text there is judged too.
   */
  private scriptOnStdin(
    argv: readonly Word[],
    redirects: readonly Redirect[],
    feed: Feed | undefined,
  ): Word | undefined {
    const last = redirects.filter(pointsStdin).at(-1);
    const file = last === undefined ? feed?.file : last.kind === "in" ? last.target : undefined;
    if (!file || !diskPath(file) || this.substitutedOutput.has(file) || this.an.written.find(file))
      return undefined;
    return argv.some((w) => !w.dynamic && STDIN_SCRIPT_READERS.has(w.text.slice(w.text.lastIndexOf("/") + 1)))
      ? file
      : undefined;
  }

  /**
   * The context a command runs in: its variables, and its stdin, which is what `from` gives it (a pipe, or the stdin it
   * inherits) unless its redirections point it elsewhere, the last one deciding.
   */
  private invocationContext(
    redirects: readonly Redirect[],
    from: Feed | Stdin | undefined,
    vars: ReadonlyMap<string, Word> = this.vars,
  ): InvocationContext {
    // One literal with every field: V8 gives a context built by spreading another a hidden class of its own each
    // time, and every rule that reads such contexts then looks their fields up the slow way.
    const context: InvocationContext = {
      stdin: from?.data ?? null,
      piped: from !== undefined && from.data === null,
      stdinHint: from?.hint ?? "",
      stdinWritten: from && "written" in from ? from.written : undefined,
      vars,
    };
    for (const r of redirects) {
      if (r.kind === "heredoc") {
        context.stdin = Buffer.from(r.target.text);
        context.piped = false;
        context.stdinHint = "heredoc";
        context.stdinWritten = undefined;
        this.an.note(r.target.text);
      } else if (r.kind === "herestring") {
        context.stdin = r.target.dynamic ? null : Buffer.from(`${r.target.text}\n`);
        context.piped = r.target.dynamic;
        context.stdinHint = r.target.text;
        context.stdinWritten = undefined;
      } else if (r.kind === "in") {
        const standard = STANDARD_INPUT.test(r.fd ?? "");
        const substituted = standard ? this.substitutedOutput.get(r.target) : undefined;
        // A file the line wrote reads as what it wrote (`echo 'DROP TABLE t;' > q.sql; psql < q.sql`); /dev/null
        // as nothing.
        const written = standard && !substituted ? this.an.written.find(r.target) : undefined;
        const empty = standard && !r.target.dynamic && r.target.text === "/dev/null";
        const known = empty
          ? Buffer.alloc(0)
          : (substituted?.data ?? (typeof written?.text === "string" ? Buffer.from(written.text) : null));
        context.stdin = known;
        context.piped = known === null;
        context.stdinHint = `< ${r.target.text}`;
        context.stdinWritten = written?.text === null ? written : undefined;
      }
    }
    return context;
  }

  /**
   * The stdin a compound command (`… | { …; }`, `while …; done < file`, `( … ) <<< …`) gives the commands inside,
   * from its redirections, which bash expands before the list runs: null when it leaves them the one around it.
   */
  stdinOf(redirects: readonly Redirect[], feed: Feed | undefined): Stdin | null {
    if (feed === undefined && !redirects.some(pointsStdin)) return null;
    return stdinOfContext(this.invocationContext(redirects, feed));
  }

  /**
   * Bash's `$(< file)` is `$(cat file)`: the text of a file the line wrote. Read wherever `< file` stands alone, which
   * outside a substitution prints nothing: judging it there only reads more.
   */
  private readAlone(redirects: Redirect[]): Feed {
    const only = redirects.length === 1 ? redirects[0]! : undefined;
    if (only?.kind !== "in" || !STANDARD_INPUT.test(only.fd ?? "")) return NO_FEED;
    const text = this.an.written.find(only.target)?.text;
    return typeof text === "string" ? { data: Buffer.from(text), hint: `< ${only.target.text}` } : NO_FEED;
  }

  /**
   * `bash <(inner)`, `source <(inner)`: a shell whose script operand is a `<(…)` runs what inner writes, read as the
   * shell reading that script on stdin. A completion script printed by one CLI is read as before: sourcing it only
   * defines functions.
   */
  private substitutedScript(argv: readonly Word[]) {
    const operand = scriptOperand(argv);
    const output = operand ? this.substitutedOutput.get(argv[operand.index]!) : undefined;
    if (!operand || !output) return undefined;
    if (output.data === null && output.onlyCommand && printsCompletionScript(output.lastCommand))
      return undefined;
    return { readsStdin: operand.readsStdin, output, withArguments: argv.length > operand.index + 1 };
  }

  private defineAliases(args: readonly Word[]): void {
    for (const arg of args) {
      const m = ALIAS_DEFINITION.exec(arg.text);
      if (!m) continue;
      const texts = this.aliases.get(m[1]!) ?? [];
      const text = arg.dynamic ? "$(…)" : m[2]!;
      if (!texts.includes(text)) this.aliases.set(m[1]!, [...texts, text]);
    }
  }

  /**
   * A command named by an alias runs the alias's text with the command's words after it. Plain words replace the
   * name; text with operators (`cd /srv && rm -rf data`) is read as a script, the words quoted after it.
   */
  private callAlias(
    alias: string,
    assigns: Assign[],
    argv: Word[],
    redirects: Redirect[],
    feed?: Feed,
  ): Feed {
    // An alias that names itself (`alias rm='rm -i'`) is not expanded again, as in a shell.
    const name = argv[0]!.text;
    const texts = this.aliases.get(name)!;
    this.aliases.delete(name);
    try {
      if (!SCRIPT_TEXT.test(alias)) {
        const words = alias
          .split(BLANKS)
          .filter(Boolean)
          .map((t) => ({ text: t, dynamic: false, glob: hasGlobChar(t) }));
        return this.call(assigns, [...words, ...argv.slice(1)], redirects, feed);
      }
      const rest = argv.slice(1).map((w) => shellQuoted(w.text));
      this.an.nested.shell([alias, ...rest].join(" "), this.vars);
      this.writes(redirects, null, name);
      return NO_FEED;
    } finally {
      this.aliases.set(name, texts);
    }
  }

  /**
   * The network descriptors this command can write to: those the shell holds, and those its own redirections open
   * (`3<>/dev/tcp/…`). `exec` with only redirections opens them on the shell for the commands after it.
   */
  private openSockets(argv: Word[], redirects: Redirect[]): ReadonlyMap<string, string> {
    const opening = redirects.filter(
      (r) => r.fd && !STANDARD_OUTPUT.test(r.fd) && r.kind !== "dupout" && NETWORK_DEVICE.test(r.target.text),
    );
    if (!opening.length) return this.sockets;
    const onShell = argv.length === 1 && argv[0]!.text === "exec";
    const into = onShell ? this.sockets : new Map(this.sockets);
    for (const r of opening) {
      let fd = r.fd!;
      if (fd.startsWith("{")) {
        const name = fd.slice(1, -1);
        fd = String(this.nextNamedFd++);
        if (onShell)
          this.assign({ name, value: { text: fd, dynamic: false, glob: false }, append: false }, this.vars);
      }
      into.set(fd, r.target.text);
    }
    return into;
  }

  /**
   * Output redirections can truncate files or overwrite devices; `>& file` is bash's `&> file`. Known output written
   * to a file is read for settings it switches off (`echo 'deletion_protection = false' >> terraform.tfvars`). Each
   * file written is kept, with the output when it is known, for a later command that runs it. `by` is the command
   * that writes, as written (a compound command's output is not known).
   */
  writes(redirects: Redirect[], output: string | null = null, by = "a compound command"): void {
    for (const r of redirects) {
      const toFile = r.kind === "dupout" ? !r.target.dynamic && !DESCRIPTOR.test(r.target.text) : true;
      if ((r.kind !== "write" && r.kind !== "append" && r.kind !== "dupout") || !toFile) continue;
      const append = r.kind === "append";
      analyzeWriteTarget(r.target, append, this.an);
      if (output !== null && (!r.fd || STANDARD_OUTPUT.test(r.fd)) && r.kind !== "dupout")
        analyzeWrittenSettings(r.target.text, output, this.an);
      // Only stdout's text is known; what goes to stderr or another descriptor is not.
      this.an.written.write(r.target, !r.fd || r.fd === "1" ? output : null, by, append);
    }
  }

  /**
   * `<(…)` or `>(…)`: the inner commands run, and the word is a path to their pipe. For `<(…)` their static output
   * (`run`'s, as for `$(…)`) is what reading that pipe gives.
   */
  processSubstitution(direction: "<" | ">", run: () => Buffer | null): Word {
    const callsBefore = this.calls;
    this.lastCommand = [];
    if (direction === ">") this.writtenInput = { data: null, hint: "what is written to >(…)" };
    const data = this.scoped(run);
    this.writtenInput = null;
    const word = dynamicWord(PROCESS_SUBSTITUTION_PATH);
    if (direction === "<") {
      const lastCommand = this.lastCommand;
      const hint = lastCommand.map((w) => w.text).join(" ");
      this.substitutedOutput.set(word, {
        data,
        hint,
        lastCommand,
        onlyCommand: this.calls === callsBefore + 1,
      });
    }
    return word;
  }

  /** `declare -i NAME`: what is assigned to NAME (or what NAME points at) from now on is evaluated as arithmetic. */
  declareInteger(name: string): void {
    this.integers.add(name);
    for (const end of this.namerefs.resolve(name) ?? []) this.integers.add(end);
  }

  /**
   * The shell evaluates `expression` as arithmetic (`$((…))`, `((…))`, `let`, an index, a slice's bounds, `[[ … -eq
   * … ]]`): command substitutions in its text, or in the value of a name it reads, run.
   */
  arithmetic(expression: Word): void {
    judgeArithmetic(expression, this.vars, this.an);
  }

  /**
   * An array's subscript (`a[i]=…`, `${a[i]}`): arithmetic for an indexed array. An associative array's is a string,
   * which bash expands once and never evaluates: only a known value is judged, as for any array.
   */
  subscript(array: string, index: Word): void {
    const reach = arithmeticReach(index, this.vars);
    judgeReach(this.associative.has(array) ? { ...reach, unknown: false } : reach, this.vars, this.an);
  }

  /** `[[ subject =~ … ]]`: BASH_REMATCH holds parts of the subject. */
  matched(subject: Word): void {
    this.assign({ name: "BASH_REMATCH", value: { ...subject, dynamic: true }, append: false }, this.vars);
  }

  /** The shell reads `name` as a variable's name (`${!x}`, `[[ -v … ]]`): a subscript in it is evaluated. */
  subscriptedName(name: Word): void {
    judgeSubscriptedName(name, this.vars, this.an);
  }

  /**
   * A declaration's word that is not an assignment in the syntax (`declare "$x"`, `local -i 'n=v'`, `declare -n
   * "r=$t"`): with `nameref`, or for a nameref not yet given a target, its value is a target.
   */
  declared(word: Word, integer: boolean, nameref: boolean, local = false): void {
    judgeDeclaredWord(word, integer, this.vars, this.an);
    const declared = declaredName(word);
    if (declared && local) this.declareLocal(declared.name);
    if (nameref && declared) this.declareNameref(declared.name, declared.value);
    else if (nameref && word.dynamic) this.an.uncertain(UNKNOWN_NAMEREF_TARGET, true);
    else if (declared?.value && this.namerefs.unbound(declared.name)) {
      this.bindNameref(declared.name, [declared.value]);
      this.followNamerefs(this.vars);
    } else if (declared) this.redeclared(declared.name);
  }

  /** `$(…)`: the inner commands run through the tables and, when their output is static (`echo … | base64 -d`), it is used. */
  substitution(run: () => Buffer | null): Word {
    const outputs = this.outputs;
    this.outputs = [];
    const callsBefore = this.calls;
    const data = this.scoped(run);
    const numeric = this.outputs.length > 0 && this.outputs.every(Boolean);
    this.outputs = outputs;
    // Only mktemp ran (no function or alias of that name, nothing after it): its output is the path it made.
    if (data === null && this.calls === callsBefore + 1 && this.lastMadeTemporary)
      return freshTemporaryWord(this.lastCommand);
    // A program's own shell set-up (`eval "$(pyenv init -)"`) sets variables and functions: it runs nothing to judge.
    if (data === null && this.calls === callsBefore + 1 && this.lastPrintedSetup) return literal("");
    if (data === null) return numeric ? SOME_NUMBER : dynamicWord(UNKNOWN_OUTPUT);
    const decoded = data.toString("utf8").replace(TRAILING_NEWLINES, "");
    this.an.note(decoded);
    return { text: decoded, dynamic: false, glob: false };
  }
}

/** Where a command's stdin comes from: the line (a pipe, a file, a here-string) or the agent; its text if known. */
export interface Stdin {
  fromLine: boolean;
  data: Buffer | null;
  /** What feeds it, as written (`curl -s …`, `< cmds.txt`), for reasons. */
  hint: string;
  /** A file the line wrote with text the guard cannot know, when it reads one. */
  written?: WrittenFile;
}
const AGENT_STDIN: Stdin = { fromLine: false, data: null, hint: "" };

function stdinOfContext(context: InvocationContext): Stdin {
  return { fromLine: true, data: context.stdin, hint: context.stdinHint, written: context.stdinWritten };
}

/** Builtins and programs that never read their stdin: the commands after them read all of it. */
const LEAVES_STDIN: ReadonlySet<string> = new Set(
  (
    ": true false cd pushd popd echo printf export local declare typeset readonly test [ set shift unset exit return " +
    "break continue alias unalias umask shopt trap wait hash type let pwd ls date whoami id hostname uname mkdir " +
    "touch basename dirname realpath readlink which stat du df sleep seq nproc uptime"
  ).split(" "),
);
/** `read`'s options that take part of a line, or read elsewhere. */
const READS_PART_OF_A_LINE = /^-[A-Za-z]*[nNdu]/;

/**
 * What is left of an inherited stdin once `argv` has run: all of it after a builtin that never reads it; lines of it
 * after `read` took one; else what the guard cannot know (`cat` took it all, `head -c 3` part of a line).
 */
function leftAfter(argv: readonly Word[], stdin: Stdin): Stdin {
  const name = argv[0]!;
  if (!name.dynamic && LEAVES_STDIN.has(name.text)) return stdin;
  const wholeLines = argv.slice(1).every((w) => !w.dynamic && !READS_PART_OF_A_LINE.test(w.text));
  if (!name.dynamic && name.text === "read" && wholeLines) return stdin;
  return stdin.data === null && !stdin.written ? stdin : { ...stdin, data: null, written: undefined };
}

/** Builtins that run shell text in the shell itself. */
const RUNS_SHELL_TEXT: ReadonlySet<string> = new Set(["eval", "trap"]);

/** Redirections that point a descriptor at something to read. */
const IN_KINDS: ReadonlySet<RedirectKind> = new Set(["in", "heredoc", "herestring"]);

/** A redirection that gives stdin what the line names: a file, a here-document, another descriptor. */
export function pointsStdin(r: { kind: RedirectKind; fd?: string }): boolean {
  if (r.kind === "write") return r.fd === "0";
  return (IN_KINDS.has(r.kind) || r.kind === "dup") && STANDARD_INPUT.test(r.fd ?? "");
}

function printsCompletionScript(argv: readonly Word[]): boolean {
  return argv.length >= 2 && argv.every((w) => !w.dynamic) && COMPLETION_SUBCOMMAND.test(argv[1]!.text);
}

/**
 * `text` holds `name` as a word of its own: not inside a longer name, and not `$name`, which stands for a value the
 * guard does not know rather than the name itself.
 */
function mentionsName(text: string, name: string): boolean {
  for (let at = text.indexOf(name); at !== -1; at = text.indexOf(name, at + 1)) {
    const before = text[at - 1] ?? "";
    if (before !== "$" && !NAME_CHAR.test(before) && !NAME_CHAR.test(text[at + name.length] ?? ""))
      return true;
  }
  return false;
}

/** A case item's pattern `*`, which any word matches: some item's list then runs. */
export function isCatchAll(pattern: Word): boolean {
  return pattern.text === "*" && pattern.glob && !pattern.dynamic;
}

/** The output of a command read once for each value its variables may hold: known when every reading gives the same. */
export function sameOutput(feeds: Feed[]): Feed {
  const first = feeds[0]!;
  const same = feeds.every((f) => f.data === first.data || (f.data && first.data?.equals(f.data)));
  return same ? first : { data: null, hint: first.hint };
}

/** The lines `read NAME` may take from known text, each without the blanks around it; one empty at its end. */
function linesOf(text: string): Word[] {
  const lines = text.split("\n");
  if (lines.length > 1 && lines.at(-1) === "") lines.pop();
  return lines.map((line) => ({ text: line.trim(), dynamic: false, glob: false }));
}

/** Field splitting of an unquoted expansion standing alone: on whitespace, and to nothing when empty. */
export function splitFields(resolved: Word): Word[] {
  const trimmed = resolved.text.trim();
  if (BLANK.test(trimmed)) {
    return trimmed.split(BLANKS).map((t) => ({ text: t, dynamic: resolved.dynamic, glob: hasGlobChar(t) }));
  }
  if (resolved.text === "" && !resolved.dynamic) return [];
  return [resolved];
}
