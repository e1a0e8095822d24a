// The fast SQL readers' position in one statement's tokens: lookahead, matching by spelling, names and a nesting
// bound, shared by the PostgreSQL and the MySQL reader so both leave their subset in the same way.

import { fail } from "./simple-lexer.ts";

/** What the cursor reads of a token: its kind ("word", "name", "string", "number", "op", "punct") and value. */
export interface CursorToken {
  readonly t: string;
  readonly v: string;
}

/** Parentheses and NOTs nested deeper than this go to the full parser (and cannot overflow the reader's stack). */
const MAX_NESTING = 100;

/**
 * A reader's cursor over one statement. Readers extend it rather than hold one: they run on every SQL text the
 * guard sees, and inheritance keeps each step a plain method call on the reader, with nothing allocated for it.
 */
export class TokenCursor<Token extends CursorToken> {
  protected i = 0;
  private nesting = 0;
  constructor(
    private readonly tokens: readonly Token[],
    /** Words that are never names here: the dialect's reserved words and the ones the reader's grammar uses. */
    private readonly keywords: ReadonlySet<string>,
  ) {}

  get done(): boolean {
    return this.i >= this.tokens.length;
  }

  protected peek(offset = 0): Token | undefined {
    return this.tokens[this.i + offset];
  }

  /**
   * Whether the token at `offset` is the keyword, operator or punctuation `v`. Quoted names, strings and numbers
   * never are, whatever they spell: `"select"` is a name, `'select'` a string.
   */
  protected is(v: string, offset = 0): boolean {
    const t = this.peek(offset);
    return !!t && (t.t === "word" || t.t === "op" || t.t === "punct") && t.v === v;
  }

  /** Steps past `v` if it comes next. */
  protected take(v: string): boolean {
    if (!this.is(v)) return false;
    this.i++;
    return true;
  }

  /** Steps past `v`, which must come next. */
  protected expect(v: string): void {
    if (!this.take(v)) fail();
  }

  /** Whether the token at `offset` is a name: quoted, or a word that is not a keyword. */
  protected isName(offset = 0): boolean {
    const t = this.peek(offset);
    return !!t && (t.t === "name" || (t.t === "word" && !this.keywords.has(t.v)));
  }

  /** Steps past the name that must come next and returns its token, for the reader to spell as its dialect does. */
  protected nameToken(): Token {
    if (!this.isName()) return fail();
    return this.tokens[this.i++]!;
  }

  /** Reads a nested part (parentheses, NOT), failing past MAX_NESTING. */
  protected nested<T>(read: () => T): T {
    if (++this.nesting > MAX_NESTING) fail();
    const node = read();
    this.nesting--;
    return node;
  }
}
