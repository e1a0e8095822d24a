// What the fast shell reader produces: pipelines of simple commands whose words are still unexpanded parts.

export interface SimplePart {
  text: string;
  /** A `$NAME` / `${NAME}` expansion; `text` is unused. */
  param?: string;
  /** The default word of `${NAME:-word}` (and its `-`, `:=`, `=` forms), a plain literal. */
  fallback?: string;
  /**
   * A length, an indirection, an index, a slice, a replacement, or an operator whose word is more than a plain
   * literal (`${#NAME}`, `${NAME[i]}`, `${NAME/a/b}`, `${NAME:+word}`, `${NAME:-'word'}`…): the value is unknown
   * after the substitutions inside run, or, with `operand`, read as the full parser reads an operator's word.
   */
  expansion?: SimpleExpansion;
  /** `${NAME[@]}` or `${NAME[*]}`: all of an array, which the guard never knows. */
  indexed?: boolean;
  /** A `$(…)` or backquoted command substitution, itself in the simple subset. */
  subst?: SimpleScript;
  /**
   * A `<(…)` or `>(…)` process substitution, a word of its own; it expands to a descriptor path, read for the inner
   * commands' output (`<`) or written to their input (`>`).
   */
  procSubst?: { direction: "<" | ">"; script: SimpleScript };
  /**
   * `$((…))` or `$[…]` holding no substitution, as its operands in order (a number, a name or `$NAME`): each is expanded and
   * evaluated, and the result is a number the guard does not know; `text` is unused.
   */
  arithmetic?: SimpleWord[];
  quoted: boolean;
}

export type SimpleWord = SimplePart[];

export interface SimpleExpansion {
  /** The index (a number, a name, `$NAME` or one substitution): expanded first, then evaluated as arithmetic. */
  index?: SimpleWord;
  /** The substitutions in the replacement or the operator's word, in order: the shell runs them after the index. */
  runs: SimpleScript[];
  /** A slice's offset and length, as `index`: expanded and evaluated after `runs`. */
  bounds?: SimpleWord[];
  /** `${!NAME}`: NAME's value is read as a name, whose subscript is evaluated. */
  indirect?: boolean;
  /** `${#NAME}`: a number. */
  length?: boolean;
  /**
   * An operator's word, without an index: a known value stands as it is (a default's only when it is not empty) and
   * the word is expanded otherwise; an empty word is no word.
   */
  operand?: SimpleWord;
  /** The operator is a default (`:-`, `-`, `:=`, `=`): the expanded word stands for the value. */
  isDefault?: boolean;
  /**
   * A single-quoted string in the operand holds `$(` or a backquote: inside double quotes the shell runs it, while
   * the syntax tree holds quoted text, so the command is asked about.
   */
  singleQuotedCommand?: boolean;
}

export interface SimpleRedirect {
  op: ">" | ">>" | "<" | "&>" | "&>>" | ">|" | "<>" | ">&" | "<&" | "<<" | "<<<";
  target: SimpleWord;
  /** The descriptor written before the operator (`3>`), or `{name}` for one the shell picks. */
  fd?: string;
}

export interface SimpleCommand {
  /** `array`: `NAME=(…)`, whose elements the guard does not read (they hold no expansion or substitution). */
  assigns: {
    name: string;
    append: boolean;
    value: SimpleWord;
    array?: boolean;
    /** `NAME=([index]=value …)`: the operands of the elements' indexes, in order, each expanded and evaluated. */
    elementIndexes?: SimpleWord[];
    /** `NAME[index]=value`: the index, expanded (its substitutions run) and evaluated as arithmetic first. */
    index?: SimpleWord;
  }[];
  words: SimpleWord[];
  redirects: SimpleRedirect[];
}

/**
 * `if`, `while`/`until`, `for … in`, `case`, `NAME() { …; }`, `{ …; }`, `( … )` and `[[ … ]]`, with the redirections
 * after their end.
 */
export type SimpleCompound =
  | {
      kind: "if";
      branches: { cond: SimpleScript; body: SimpleScript }[];
      otherwise: SimpleScript | null;
      redirects: SimpleRedirect[];
    }
  | { kind: "loop"; cond: SimpleScript; body: SimpleScript; redirects: SimpleRedirect[] }
  | { kind: "for"; name: string; items: SimpleWord[]; body: SimpleScript; redirects: SimpleRedirect[] }
  /** `for ((init; cond; step))`: the header's operands are expanded and evaluated, then the body runs. */
  | { kind: "arithmetic-for"; operands: SimpleWord[]; body: SimpleScript; redirects: SimpleRedirect[] }
  /** `export`, `declare`, `local`… (`builtin`): its words in order, each made or judged in turn. */
  | { kind: "declaration"; builtin: string; args: DeclarationArg[]; redirects: SimpleRedirect[] }
  /** `((…))`: its operands in order, each expanded and evaluated. */
  | { kind: "arithmetic"; operands: SimpleWord[]; redirects: SimpleRedirect[] }
  | {
      kind: "case";
      word: SimpleWord;
      /** Each item's patterns and list; `fallsThrough` when it ends with `;&` or `;;&`, and the next may follow it. */
      items: { patterns: SimpleWord[]; body: SimpleScript; fallsThrough?: true }[];
      redirects: SimpleRedirect[];
    }
  | { kind: "function"; name: string; body: SimpleScript; redirects: SimpleRedirect[] }
  /** `{ …; }`: its list runs in the shell itself. */
  | { kind: "group"; body: SimpleScript; redirects: SimpleRedirect[] }
  /** `( … )`: its list runs in a subshell, whose assignments are lost at its end. */
  | { kind: "subshell"; body: SimpleScript; redirects: SimpleRedirect[] }
  /** `[[ … ]]`: its words in order, expanded in turn; the test itself changes nothing. */
  | { kind: "test"; operands: TestOperand[]; redirects: SimpleRedirect[] };

/**
 * A declaration builtin's word: `NAME=value` or `NAME+=value` (value null when empty), a bare `NAME` (naked), or any
 * other word (an option, a quoted or expanded word), which the builtin reads when it runs.
 */
export type DeclarationArg =
  | { name: string; append: boolean; value: SimpleWord | null; naked?: true }
  | { word: SimpleWord };

/** A word of a `[[ … ]]` clause; an arithmetic comparison's operands, and the name after `-v`, are evaluated. */
export interface TestOperand {
  word: SimpleWord;
  evaluated?: "arithmetic" | "name";
}

export type SimpleStage = SimpleCommand | SimpleCompound;

/** One or more stages joined by `|`; `operator` is the `&&` or `||` before it, if any. */
export type SimplePipeline = SimpleStage[] & { operator?: "&&" | "||" };

/** Pipelines joined by `&&`, `||`, `;` or newlines. */
export type SimpleScript = SimplePipeline[];
