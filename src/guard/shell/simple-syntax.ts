// What the fast shell reader produces: pipelines of simple commands whose words are still unexpanded parts.

export interface SimplePart {
  text: string;
  /** A `$NAME` / `${NAME}` expansion; `text` is unused. */
  param?: string;
  /** The default word of `${NAME:-word}` (and its `-`, `:=`, `=` forms), a plain literal. */
  fallback?: string;
  /** A `$(…)` or backquoted command substitution, itself in the simple subset. */
  subst?: SimpleScript;
  quoted: boolean;
}

export type SimpleWord = SimplePart[];

export interface SimpleRedirect {
  op: ">" | ">>" | "<" | "&>" | "&>>" | ">|" | "<>" | ">&" | "<&" | "<<" | "<<<";
  target: SimpleWord;
}

export interface SimpleCommand {
  assigns: { name: string; append: boolean; value: SimpleWord }[];
  words: SimpleWord[];
  redirects: SimpleRedirect[];
}

/** Pipelines joined by `&&`, `||` or `;`; each pipeline is one or more commands joined by `|`. */
export type SimpleScript = SimpleCommand[][];
