// What the fast shell reader produces: pipelines of simple commands whose words are still unexpanded parts.

export interface SimplePart {
  text: string;
  /** A `$NAME` / `${NAME}` expansion; `text` is unused. */
  param?: string;
  /** The default word of `${NAME:-word}` (and its `-`, `:=`, `=` forms), a plain literal. */
  fallback?: string;
  /**
   * A length, an indirection, an index, a slice, a replacement or an operator other than a default (`${#NAME}`,
   * `${NAME[i]}`, `${NAME/a/b}`, `${NAME:+word}`…): `runs` are the substitutions inside, which the shell runs first.
   * With `operand` (an operator's word, no index) a known value stands as it is and the word is expanded only when it
   * is unknown; otherwise the value is unknown.
   */
  expansion?: { runs: SimpleScript[]; operand?: SimpleWord };
  /** `${NAME[@]}` or `${NAME[*]}`: all of an array, which the guard never knows. */
  indexed?: boolean;
  /** A `$(…)` or backquoted command substitution, itself in the simple subset. */
  subst?: SimpleScript;
  /**
   * A `<(…)` or `>(…)` process substitution, a word of its own; it expands to a descriptor path, read for the inner
   * commands' output (`<`) or written to their input (`>`).
   */
  procSubst?: { direction: "<" | ">"; script: SimpleScript };
  quoted: boolean;
}

export type SimpleWord = SimplePart[];

export interface SimpleRedirect {
  op: ">" | ">>" | "<" | "&>" | "&>>" | ">|" | "<>" | ">&" | "<&" | "<<" | "<<<";
  target: SimpleWord;
  /** The descriptor written before the operator (`3>`), or `{name}` for one the shell picks. */
  fd?: string;
}

export interface SimpleCommand {
  /** `array`: `NAME=(…)`, whose elements the guard does not read (they hold no expansion or substitution). */
  assigns: { name: string; append: boolean; value: SimpleWord; array?: boolean }[];
  words: SimpleWord[];
  redirects: SimpleRedirect[];
}

/** `if`, `while`/`until`, `for … in`, `NAME() { …; }` and `[[ … ]]`, with the redirections after their end. */
export type SimpleCompound =
  | {
      kind: "if";
      branches: { cond: SimpleScript; body: SimpleScript }[];
      otherwise: SimpleScript | null;
      redirects: SimpleRedirect[];
    }
  | { kind: "loop"; cond: SimpleScript; body: SimpleScript; redirects: SimpleRedirect[] }
  | { kind: "for"; name: string; items: SimpleWord[]; body: SimpleScript; redirects: SimpleRedirect[] }
  | { kind: "function"; name: string; body: SimpleScript; redirects: SimpleRedirect[] }
  /** `[[ … ]]`: its operands in order; only the substitutions in them run. */
  | { kind: "test"; operands: SimpleWord[]; redirects: SimpleRedirect[] };

export type SimpleStage = SimpleCommand | SimpleCompound;

/** Pipelines joined by `&&`, `||`, `;` or newlines; each pipeline is one or more stages joined by `|`. */
export type SimpleScript = SimpleStage[][];
