// Runs what the fast reader produced: words expanded with the shell's variables, then each command through the runner.
import { SOME_NUMBER } from "../shell-arithmetic.ts";
import { hasGlobChar, literal, type Word, withAlone } from "../word.ts";
import type { Way } from "./control-flow.ts";
import { DeclarationOptions } from "./declaration-options.ts";
import { parameterDefault } from "./parameter-default.ts";
import {
  dynamicWord,
  EMPTY_WORD,
  type Feed,
  isCatchAll,
  NO_FEED,
  type Redirect,
  type RedirectKind,
  type ShellRunner,
  sameOutput,
  splitFields,
} from "./runner.ts";
import type {
  DeclarationArg,
  SimpleCommand,
  SimpleCompound,
  SimpleExpansion,
  SimplePart,
  SimplePipeline,
  SimpleRedirect,
  SimpleScript,
  SimpleWord,
} from "./simple-syntax.ts";

const SIMPLE_REDIRECTS: Record<SimpleRedirect["op"], RedirectKind> = {
  ">": "write",
  ">|": "write",
  "<>": "write",
  "&>": "write",
  ">>": "append",
  "&>>": "append",
  "<": "in",
  ">&": "dupout",
  "<&": "dup",
  "<<": "heredoc",
  "<<<": "herestring",
};

export class SimpleWalker {
  constructor(private readonly r: ShellRunner) {}

  /** Runs the script; returns the last pipeline's static output, for `$(…)`. */
  script(script: SimpleScript): Buffer | null {
    let feed: Feed = NO_FEED;
    for (let i = 0; i < script.length; ) {
      // An and-or list: the pipeline and those joined to it by `&&` or `||`.
      let end = i + 1;
      while (script[end]?.operator) end++;
      if (end === i + 1) feed = this.pipeline(script[i]!) ?? NO_FEED;
      else {
        const rest = script.slice(i + 1, end);
        const first = script[i]!;
        this.r.andOr(
          () => this.pipeline(first),
          rest.map((p) => ({ or: p.operator === "||", run: () => this.pipeline(p) })),
        );
      }
      i = end;
    }
    return script.length === 1 ? feed.data : null;
  }

  private pipeline(pipeline: SimplePipeline): Feed | undefined {
    let stage: Feed | undefined;
    for (const command of pipeline) {
      if ("kind" in command) {
        if (command.kind === "function") this.compound(command, pipeline.length === 1);
        else {
          // The pipe or the redirections give the list inside its stdin.
          const redirects = this.redirects(command.redirects);
          this.r.withStdin(this.r.stdinOf(redirects, stage), () => this.compound(command, true));
          this.r.writes(redirects);
        }
        // A compound command's output is never known: the next stage reads a pipe.
        stage = NO_FEED;
        continue;
      }
      const feed = pipeline.length > 1 ? stage : undefined;
      // Read once for each value its variables may hold.
      stage = this.r.eachValue(() => this.simpleCommand(command, feed), sameOutput);
    }
    return stage;
  }

  private simpleCommand(command: SimpleCommand, feed: Feed | undefined): Feed {
    const assigns = command.assigns.map((a) => {
      // `NAME[$(…)]=value`: the index is expanded first (commands in it run), then evaluated as arithmetic.
      if (a.index) this.r.subscript(a.name, this.word(a.index));
      if (a.elementIndexes)
        for (const operand of a.elementIndexes) this.r.subscript(a.name, this.word(operand));
      return {
        name: a.name,
        append: a.append,
        // An array's elements are not read: the variable is unknown, as `${NAME[@]}` is.
        value: a.array ? dynamicWord(`$${a.name}`) : this.word(a.value),
      };
    });
    const argv: Word[] = [];
    for (const w of command.words) this.pushFields(w, argv);
    return this.r.call(assigns, argv, this.redirects(command.redirects), feed);
  }

  private redirects(redirects: readonly SimpleRedirect[]): Redirect[] {
    return redirects.map((r) => ({ kind: SIMPLE_REDIRECTS[r.op], target: this.word(r.target), fd: r.fd }));
  }

  /**
   * Every branch and loop body runs: the cautious reading of code whose conditions are unknown, each from the state
   * the way there leaves. A function defined in a pipeline's stage is defined in a subshell, not `kept` for the
   * commands after it. Redirections are the caller's, but a function's, which apply at each call.
   */
  private compound(command: SimpleCompound, kept: boolean): void {
    if (command.kind === "function") {
      // The body with its redirections, as each call runs it.
      const body = () => {
        const redirects = this.redirects(command.redirects);
        this.r.withStdin(this.r.stdinOf(redirects, undefined), () => this.script(command.body));
        this.r.writes(redirects);
      };
      this.r.defineFunction(command.name, body, kept, command);
      return;
    }
    if (command.kind === "if") {
      // Each branch from the state its condition leaves; past the if, the state any of them left.
      const ways: Way[] = [];
      for (const branch of command.branches) {
        this.script(branch.cond);
        const start = this.r.here();
        this.script(branch.body);
        ways.push(this.r.here());
        this.r.restore(start);
      }
      if (command.otherwise) this.script(command.otherwise);
      ways.push(this.r.here());
      this.r.join(ways);
    } else if (command.kind === "loop") {
      this.r.loop(
        () => this.script(command.body),
        () => this.script(command.cond),
      );
    } else if (command.kind === "case") {
      // The word and every item's patterns are expanded, and every item's list may run, from the state before the
      // case or, after `;&` or `;;&`, the one the item before left; or none does, unless an item matches any word.
      this.word(command.word);
      const start = this.r.here();
      const ways: Way[] = [];
      let previous: Way | null = null;
      let matchesAll = false;
      for (const item of command.items) {
        if (previous) this.r.join([start, previous]);
        else this.r.restore(start);
        for (const pattern of item.patterns) matchesAll ||= isCatchAll(this.word(pattern));
        this.script(item.body);
        const end = this.r.here();
        ways.push(end);
        previous = item.fallsThrough ? end : null;
      }
      if (!matchesAll) ways.push(start);
      this.r.join(ways);
    } else if (command.kind === "test") {
      // Each word is expanded in turn (commands substituted in it run); some are then evaluated.
      for (const operand of command.operands) {
        const word = this.word(operand.word);
        if (operand.evaluated === "arithmetic") this.r.arithmetic(word);
        else if (operand.evaluated === "name") this.r.subscriptedName(word);
      }
    } else if (command.kind === "declaration") {
      this.r.eachValue(
        () => this.declaration(command.builtin, command.args),
        () => undefined,
      );
    } else if (command.kind === "arithmetic") {
      for (const operand of command.operands) this.r.arithmetic(this.word(operand));
    } else if (command.kind === "arithmetic-for") {
      // No value is known for the loop's variables: the header is evaluated once, then the body read once.
      for (const operand of command.operands) this.r.arithmetic(this.word(operand));
      this.r.loop(() => this.script(command.body), undefined, true);
    } else if (command.kind === "group") {
      this.script(command.body);
    } else if (command.kind === "subshell") {
      this.r.scoped(() => this.script(command.body));
    } else {
      const items = this.r.eachValue(
        () => {
          const items: Word[] = [];
          for (const w of command.items) this.pushFields(w, items);
          return items;
        },
        (readings) => readings.flat(),
      );
      this.r.loop(
        () => {
          this.r.loopVariable(command.name, items);
          this.script(command.body);
        },
        undefined,
        items.length === 0 || items.some((i) => i.dynamic),
      );
    }
  }

  /**
   * As mvdan/sh's walker reads a declaration: `-i` gives the names after it the integer attribute, `-n` makes them
   * namerefs, `-A` associative arrays, a bare name keeps a known value, and a word that is not an assignment in the
   * syntax is judged as the builtin reads it. In a function, `local` (and `declare` without `-g`) names are its own.
   */
  private declaration(builtin: string, args: DeclarationArg[]): void {
    const options = new DeclarationOptions(builtin);
    for (const arg of args) {
      if ("name" in arg) {
        if (options.local) this.r.declareLocal(arg.name);
        if (options.associative) this.r.declareAssociative(arg.name);
        if (options.integer) this.r.declareInteger(arg.name);
        if (options.nameref) {
          this.r.declareNameref(arg.name, arg.naked ? null : arg.value ? this.word(arg.value) : EMPTY_WORD);
          continue;
        }
        this.r.redeclared(arg.name);
        if (arg.naked && this.r.vars.has(arg.name)) continue;
        const value = arg.value && this.word(arg.value);
        this.r.assign({ name: arg.name, value, append: arg.append }, this.r.vars);
      } else {
        const word = this.word(arg.word);
        if (word.text.startsWith("-")) options.read(word.text);
        else this.r.declared(word, options.integer, options.nameref, options.local);
      }
    }
  }

  private word(word: SimpleWord): Word {
    // A process substitution is a word of its own, kept as the runner's word so a `<` redirection finds its output.
    const procSubst = word.length === 1 ? word[0]!.procSubst : undefined;
    if (procSubst) return this.processSubstitution(procSubst);
    let text = "";
    let dynamic = false;
    let glob = false;
    let unread: string | undefined;
    let freshTemporary: string | undefined;
    let splits = false;
    for (const part of word) {
      if (part.procSubst) {
        const r = this.processSubstitution(part.procSubst);
        text += r.text;
        dynamic ||= r.dynamic;
      } else if (part.arithmetic) {
        // Each operand is expanded and evaluated, as mvdan/sh's walker reads them; the result is an unknown number.
        for (const operand of part.arithmetic) this.r.arithmetic(this.word(operand));
        text += "0";
        dynamic = true;
      } else if (part.subst) {
        const r = this.r.substitution(() => this.script(part.subst!));
        text += r.text;
        dynamic ||= r.dynamic;
        if (word.length === 1) freshTemporary = r.freshTemporary;
        splits ||= !part.quoted && r.dynamic;
      } else if (part.param !== undefined) {
        const r = part.expansion
          ? this.expansion(part.param, part.expansion)
          : part.indexed
            ? dynamicWord(`$${part.param}`)
            : this.parameter(part.param, part.fallback);
        text += r.text;
        dynamic ||= r.dynamic;
        // A variable holding a pattern (`X=*.log; rm $X`) expands to one, unless quoted.
        glob ||= !part.quoted && r.glob;
        if (word.length === 1) ({ unread, freshTemporary } = r);
        splits ||= !part.quoted && r.dynamic;
      } else {
        text += part.text;
        glob ||= !part.quoted && hasGlobChar(part.text);
      }
    }
    const out = withAlone({ text, dynamic, glob }, unread, freshTemporary);
    if (splits) out.splits = true;
    return out;
  }

  /** `$NAME`, or `${NAME:-word}` with a plain word. */
  private parameter(name: string, fallback: string | undefined): Word {
    const known = this.r.value(name);
    if (fallback === undefined) return known ?? dynamicWord(`$${name}`);
    return known && known.text !== "" ? known : parameterDefault(name, literal(fallback));
  }

  /** As mvdan/sh's walker reads these forms: the substitutions inside run, and the value is rarely known. */
  private expansion(name: string, e: SimpleExpansion): Word {
    if (e.singleQuotedCommand) this.r.singleQuotedCommand();
    const operand = e.operand?.length ? e.operand : null;
    const known = e.operand ? this.r.value(name) : undefined;
    if (known && (known.text !== "" || !e.isDefault)) {
      // `${X:+$(…)}` expands its word exactly when X is set; whatever the operator, its commands are judged.
      for (const inner of e.runs) this.r.scoped(() => this.script(inner));
      return known;
    }
    if (operand) {
      // An unknown value: the operator's word is expanded, its substitutions run as any word's.
      const fallback = this.word(operand);
      return e.isDefault ? parameterDefault(name, fallback) : dynamicWord(`$${name}`);
    }
    // An index and a slice's bounds are expanded and evaluated as arithmetic, in the order they are written.
    if (e.index) this.r.subscript(name, this.word(e.index));
    for (const inner of e.runs) this.r.scoped(() => this.script(inner));
    if (e.bounds) for (const bound of e.bounds) this.r.arithmetic(this.word(bound));
    if (e.indirect) {
      const known = this.r.value(name);
      if (known) this.r.subscriptedName(known);
    }
    // A length is a number, whatever the value.
    return e.length ? SOME_NUMBER : dynamicWord(`$${name}`);
  }

  private processSubstitution(p: NonNullable<SimplePart["procSubst"]>): Word {
    return this.r.processSubstitution(p.direction, () => this.script(p.script));
  }

  /**
   * Appends the word's fields to `into`: field splitting applies to an unquoted expansion standing alone, and `"$@"`
   * is a word for each positional parameter.
   */
  private pushFields(word: SimpleWord, into: Word[]): void {
    const resolved = this.word(word);
    const only =
      word.length === 1 &&
      (word[0]!.param !== undefined || word[0]!.subst !== undefined) &&
      (!word[0]!.quoted || (word[0]!.param === "@" && !word[0]!.expansion));
    if (only) into.push(...splitFields(resolved));
    else into.push(resolved);
  }
}
