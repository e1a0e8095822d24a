// Shell functions as the runner follows them: the bodies defined under each name, and the calls in progress, whose
// locals and positional parameters end when they return.
import type { Word } from "../word.ts";

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
  private readonly keys = new WeakMap<() => void, object>();

  /** `key` is the definition's syntax: a loop's body read again defines the same function, not another. */
  define(name: string, body: () => void, key: object): void {
    const bodies = this.defined.get(name) ?? [];
    if (bodies.some((b) => this.keys.get(b) === key)) return;
    this.keys.set(body, key);
    this.defined.set(name, [...bodies, body]);
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
