// Shell functions as the runner follows them: the bodies defined under each name, and the calls in progress, whose
// locals and positional parameters end when they return.
import type { Word } from "../word.ts";
import { joined } from "./builtin-variables.ts";

/** How deep calls are followed, and how many in all: recursion, or a line calling too much, is asked about. */
const MAX_DEPTH = 8;
const MAX_CALLS = 128;

export const CALLS_NOT_FOLLOWED =
  "calls shell functions deeper or more often than the guard follows (recursion?): what they run and change is unknown";

export class CallStack {
  /** Every body read for a name, in order: one defined in a branch may or may not have replaced the one before. */
  private readonly defined = new Map<string, (() => void)[]>();
  /** For each call in progress, the values before it of the names it made its own. */
  private readonly frames: Map<string, Word | undefined>[] = [];
  private calls = 0;

  define(name: string, body: () => void): void {
    this.defined.set(name, [...(this.defined.get(name) ?? []), body]);
  }

  names(): string[] {
    return [...this.defined.keys()];
  }

  /**
   * The bodies a command may run: those read for its name. A name only known at run time is judged as any such
   * command is, not as each function.
   */
  bodies(command: Word): (() => void)[] {
    return command.dynamic ? [] : (this.defined.get(command.text) ?? []);
  }

  /** Counts a call; false once calls nest deeper, or are more, than the guard follows. */
  enter(): boolean {
    if (this.frames.length >= MAX_DEPTH || this.calls >= MAX_CALLS) return false;
    this.calls++;
    return true;
  }

  push(): void {
    this.frames.push(new Map());
  }

  /** The current call makes `name` its own: its value now is back when the call returns. No call: nothing kept. */
  keep(name: string, vars: ReadonlyMap<string, Word>): void {
    const frame = this.frames.at(-1);
    if (frame && !frame.has(name)) frame.set(name, vars.get(name));
  }

  /** The call returns: the names it made its own take back their values. */
  pop(vars: Map<string, Word>): void {
    const frame = this.frames.pop();
    for (const [name, value] of frame ?? []) {
      if (value) vars.set(name, value);
      else vars.delete(name);
    }
  }
}

/**
 * The variables after one of several bodies ran, not knowing which: a name they leave alike keeps its value; else it
 * holds each value it may have, as a loop's variable does.
 */
export function eitherOf(outcomes: readonly Map<string, Word>[]): Map<string, Word> {
  const merged = new Map<string, Word>();
  for (const name of new Set(outcomes.flatMap((vars) => [...vars.keys()]))) {
    const values = outcomes.map((vars) => vars.get(name) ?? { text: `$${name}`, dynamic: true, glob: false });
    const first = values[0]!;
    const alike = values.every(
      (v) => v.text === first.text && v.dynamic === first.dynamic && v.glob === first.glob,
    );
    const distinct = [...new Map(values.map((v) => [v.text, v])).values()];
    merged.set(name, alike ? first : joined(distinct));
  }
  return merged;
}
