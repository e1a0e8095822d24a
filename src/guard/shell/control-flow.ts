// Where a line may go more than one way (an if's branches, a case's items, `&&` and `||`, a loop's iterations, a
// function's early return): the state each way leaves, and past them a state where each variable holds every value
// some way left it, each of which is read wherever the variable is expanded.
import { UNKNOWN_OUTPUT } from "../shell-arithmetic.ts";
import type { Word } from "../word.ts";
import type { WrittenFile } from "../written-files.ts";
import { joined } from "./builtin-variables.ts";

/** The state one way through the line leaves: its variables and the files it has written. */
export interface Way {
  vars: Map<string, Word>;
  files: ReadonlyMap<string, WrittenFile>;
}

/** Where `break` and `continue` inside a loop's body go: the states they leave it in. */
export interface LoopFrame {
  breaks: Way[];
  continues: Way[];
}

/** How often a loop's body is read again while its variables take new values. */
export const MAX_ITERATIONS = 4;
/** How many times one command is read, once for each combination of the values its variables may hold. */
export const MAX_READS = 64;
export const TOO_MANY_COMBINATIONS =
  "expands variables that may hold more combinations of values than the guard reads, depending on which way the line went";
const STILL_CHANGING: Word = { text: UNKNOWN_OUTPUT, dynamic: true, glob: false };

const placeholder = (name: string): Word => ({ text: `$${name}`, dynamic: true, glob: false });
/** The same word: the same text, and the same values when it holds several (two lists may join to one text). */
function alike(a: Word, b: Word): boolean {
  if (a.text !== b.text || a.dynamic !== b.dynamic || a.glob !== b.glob) return false;
  if (a.freshTemporary !== b.freshTemporary) return false;
  if (a.values === b.values) return true;
  if (!a.values || !b.values || a.values.length !== b.values.length) return false;
  return a.values.every((value, i) => alike(value, b.values![i]!));
}

/**
 * The variables past several ways the line may have gone, not knowing which: a name they leave alike keeps its value;
 * else it holds each value it may have (one that a way left unset holds what the environment gives it).
 */
export function eitherOf(outcomes: readonly Map<string, Word>[]): Map<string, Word> {
  if (outcomes.length === 1) return outcomes[0]!;
  const merged = new Map<string, Word>();
  for (const name of new Set(outcomes.flatMap((vars) => [...vars.keys()]))) {
    const values = outcomes.map((vars) => vars.get(name) ?? placeholder(name));
    const first = values[0]!;
    merged.set(name, values.every((v) => alike(v, first)) ? first : joined(values));
  }
  return merged;
}

/** Whether two states are the same: a loop whose iteration leaves the state it started from has been read enough. */
export function sameWay(a: Way, b: Way): boolean {
  if (a.vars.size !== b.vars.size || a.files.size !== b.files.size) return false;
  for (const [name, value] of a.vars) {
    const other = b.vars.get(name);
    if (!other || !alike(value, other)) return false;
  }
  for (const [key, file] of a.files) if (b.files.get(key)?.text !== file.text) return false;
  return true;
}

/**
 * Adds `way` to `ways` unless it is the state the last of them left: joining the same state twice adds nothing, and a
 * long `a && b && …` that changes no variable keeps one state, not one a command.
 */
export function addWay(ways: Way[], way: Way): void {
  const last = ways.at(-1);
  if (!last || !sameWay(last, way)) ways.push(way);
}

/** `next` with each variable that still changes from `before` holding text the guard cannot know. */
export function unknownWhereChanged(before: Way, next: Way): Way {
  const vars = new Map(next.vars);
  for (const [name, value] of next.vars) {
    const was = before.vars.get(name);
    if (!was || !alike(was, value)) vars.set(name, STILL_CHANGING);
  }
  return { vars, files: next.files };
}

/** Whether some variable holds one of several values, which each command that expands it reads in turn. */
export function holdsSeveralValues(vars: ReadonlyMap<string, Word>): boolean {
  for (const value of vars.values()) if (value.values) return true;
  return false;
}

/**
 * While one command is read once for each combination of values: the value each variable it expands takes in this
 * reading, picked in the order the reading meets them, by the plan the last reading left.
 */
export class Choices {
  private readonly picked = new Map<Word, Word>();
  private readonly taken: number[] = [];
  private readonly counts: number[] = [];

  constructor(private readonly plan: readonly number[]) {}

  pick(word: Word): Word {
    let chosen = this.picked.get(word);
    if (!chosen) {
      const values = word.values!;
      const at = this.plan[this.taken.length] ?? 0;
      this.taken.push(at);
      this.counts.push(values.length);
      chosen = values[at]!;
      this.picked.set(word, chosen);
    }
    return chosen;
  }

  /** The plan of the next reading, the last choice that can move on moving on; null once every one has been read. */
  next(): number[] | null {
    for (let i = this.taken.length - 1; i >= 0; i--)
      if (this.taken[i]! + 1 < this.counts[i]!) return [...this.taken.slice(0, i), this.taken[i]! + 1];
    return null;
  }
}
