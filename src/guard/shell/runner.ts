// The runner both shell readers feed: each simple command, with its environment, stdin and redirections, goes to
// the command tables, and what it writes to is judged.
import type { Analysis } from "../analysis.ts";
import { analyzeWriteTarget, analyzeWrittenSettings } from "../clis/files.ts";
import { analyzeSocketData } from "../clis/http-clients.ts";
import { invoke } from "../clis/index.ts";
import type { InvocationContext } from "../command.ts";
import { pipelineOutput } from "../payloads.ts";
import {
  judgeArithmetic,
  judgeDeclaredWord,
  judgeSubscriptedName,
  UNKNOWN_OUTPUT,
} from "../shell-arithmetic.ts";
import { shellQuoted } from "../shell-quote.ts";
import { hasGlobChar, type Word } from "../word.ts";
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

export const dynamicWord = (t: string): Word => ({ text: t, dynamic: true, glob: false });
export const EMPTY_WORD: Word = { text: "", dynamic: false, glob: false };
/** What `<(…)` and `>(…)` expand to: a descriptor path only known when the shell runs. */
const PROCESS_SUBSTITUTION_PATH = "/dev/fd/63";
/** Descriptors a `<` redirection without a number, or with 0, points stdin at. */
const STANDARD_INPUT = /^0?$/;
/** What a `<(…)` writes: its bytes when known, its last command's words for the reasons, and whether it ran only that. */
interface SubstitutedOutput {
  data: Buffer | null;
  hint: string;
  lastCommand: readonly Word[];
  onlyCommand: boolean;
}
/** `kubectl completion bash`: a CLI printing its completion script, which a shell sources to define functions. */
const COMPLETION_SUBCOMMAND = /^completions?$/;

export class ShellRunner {
  /**
   * Descriptors that `exec 3<>/dev/tcp/host/port` opened on the shell itself, by number: a later `printf … >&3` sends
   * its output there, and is judged as what it sends.
   */
  private readonly sockets = new Map<string, string>();
  private nextNamedFd = FIRST_NAMED_FD;
  /** `alias name='…'` defined earlier on the line: a command named so runs what the alias says. */
  private readonly aliases = new Map<string, string>();
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
  /** Names declared integer (`declare -i`): a value assigned to one is evaluated as arithmetic. */
  private readonly integers = new Set<string>();

  constructor(
    readonly an: Analysis,
    public vars: Map<string, Word>,
    private readonly trace?: TraceEntry[],
  ) {}

  scoped<T>(run: () => T): T {
    const saved = this.vars;
    this.vars = new Map(saved);
    try {
      return run();
    } finally {
      this.vars = saved;
    }
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

  assign(a: Assign, into: Map<string, Word>): void {
    const value = a.value ?? EMPTY_WORD;
    if (this.integers.has(a.name)) this.arithmetic(value);
    const previous = a.append ? into.get(a.name) : undefined;
    into.set(
      a.name,
      previous
        ? { text: previous.text + value.text, dynamic: previous.dynamic || value.dynamic, glob: false }
        : value,
    );
  }

  /**
   * One simple command. Arguments were expanded with the shell's variables; prefix assignments only form the
   * command's environment (as in a shell: `X=1 echo $X` prints the old X, `X=1 sh -c 'echo $X'` prints 1).
   * Returns the command's stdout when it can be known statically, for the next pipeline stage.
   */
  call(assigns: Assign[], argv: Word[], redirects: Redirect[], feed?: Feed): Feed {
    if (feed === undefined && this.writtenInput) {
      feed = this.writtenInput;
      this.writtenInput = null;
    }
    this.calls++;
    this.lastCommand = argv;
    if (argv[0]?.text === "alias" && !argv[0].dynamic) this.defineAliases(argv.slice(1));
    const alias = argv[0] && !argv[0].dynamic ? this.aliases.get(argv[0].text) : undefined;
    if (alias !== undefined) return this.callAlias(alias, assigns, argv, redirects, feed);
    if (argv.length === 0) {
      for (const a of assigns) this.assign(a, this.vars);
      this.writes(redirects);
      return NO_FEED;
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
    const context: InvocationContext = {
      stdin: feed?.data ?? null,
      piped: feed !== undefined && feed.data === null,
      stdinHint: feed?.hint ?? "",
      vars: env,
    };
    for (const r of redirects) {
      if (r.kind === "heredoc") {
        context.stdin = Buffer.from(r.target.text);
        context.piped = false;
        context.stdinHint = "heredoc";
        this.an.note(r.target.text);
      } else if (r.kind === "herestring") {
        context.stdin = r.target.dynamic ? null : Buffer.from(`${r.target.text}\n`);
        context.piped = r.target.dynamic;
        context.stdinHint = r.target.text;
      } else if (r.kind === "in") {
        const known = STANDARD_INPUT.test(r.fd ?? "")
          ? (this.substitutedOutput.get(r.target)?.data ?? undefined)
          : undefined;
        context.stdin = known ?? null;
        context.piped = known === undefined;
        context.stdinHint = `< ${r.target.text}`;
      }
    }
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
      out.data = pipelineOutput(invoke(argv, context, an));
    });
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
    this.writes(redirects, sent);
    return out;
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
      if (m) this.aliases.set(m[1]!, arg.dynamic ? "$(…)" : m[2]!);
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
      this.writes(redirects);
      return NO_FEED;
    } finally {
      this.aliases.set(name, alias);
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
        if (onShell) this.vars.set(name, { text: fd, dynamic: false, glob: false });
      }
      into.set(fd, r.target.text);
    }
    return into;
  }

  /**
   * Output redirections can truncate files or overwrite devices; `>& file` is bash's `&> file`. Known output written
   * to a file is read for settings it switches off (`echo 'deletion_protection = false' >> terraform.tfvars`).
   */
  writes(redirects: Redirect[], output: string | null = null): void {
    for (const r of redirects) {
      if (r.kind === "write" || r.kind === "append") {
        analyzeWriteTarget(r.target, r.kind === "append", this.an);
        if (output !== null && (!r.fd || STANDARD_OUTPUT.test(r.fd)))
          analyzeWrittenSettings(r.target.text, output, this.an);
      } else if (r.kind === "dupout" && !r.target.dynamic && !DESCRIPTOR.test(r.target.text))
        analyzeWriteTarget(r.target, false, this.an);
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

  /** `declare -i NAME`: what is assigned to NAME from now on is evaluated as arithmetic. */
  declareInteger(name: string): void {
    this.integers.add(name);
  }

  /**
   * The shell evaluates `expression` as arithmetic (`$((…))`, `((…))`, `let`, an index, a slice's bounds, `[[ … -eq
   * … ]]`): command substitutions in its text, or in the value of a name it reads, run.
   */
  arithmetic(expression: Word): void {
    judgeArithmetic(expression, this.vars, this.an);
  }

  /** The shell reads `name` as a variable's name (`${!x}`, `[[ -v … ]]`): a subscript in it is evaluated. */
  subscriptedName(name: Word): void {
    judgeSubscriptedName(name, this.vars, this.an);
  }

  /** A declaration's word that is not an assignment in the syntax (`declare "$x"`, `local -i 'n=v'`). */
  declared(word: Word, integer: boolean): void {
    judgeDeclaredWord(word, integer, this.vars, this.an);
  }

  /** `$(…)`: the inner commands run through the tables and, when their output is static (`echo … | base64 -d`), it is used. */
  substitution(run: () => Buffer | null): Word {
    const data = this.scoped(run);
    if (data === null) return dynamicWord(UNKNOWN_OUTPUT);
    const decoded = data.toString("utf8").replace(TRAILING_NEWLINES, "");
    this.an.note(decoded);
    return { text: decoded, dynamic: false, glob: false };
  }
}

/** Redirections that point a descriptor at something to read. */
const IN_KINDS: ReadonlySet<RedirectKind> = new Set(["in", "heredoc", "herestring"]);

function printsCompletionScript(argv: readonly Word[]): boolean {
  return argv.length >= 2 && argv.every((w) => !w.dynamic) && COMPLETION_SUBCOMMAND.test(argv[1]!.text);
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
