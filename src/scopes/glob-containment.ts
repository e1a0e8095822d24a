// Proves that one resource glob matches nothing another does not: what token exchange needs to narrow, never widen.
//
// picomatch has no containment test, and reading a glob as a literal (globContains) is a heuristic. Here both globs
// are parsed into a small language whose meaning is stated exactly; a glob outside it is never "contained" (unless it
// is the very same string). The language, on canonical resources (see isCanonicalResource):
//   a glob that does not start with "*" or "."; segments separated by "/"; a segment is `**` alone (any number of whole segments, zero included), or literal
//   characters and `*` (any run of characters other than "/"). "." and ".." segments, empty segments (except the one
//   after "scheme:"), a trailing "/", and every other glob character (`?`, `[`, `{`, `(`, `!`, `+`, `@`, `\`) are
//   outside it.
// On canonical resources this meaning and picomatch's agree (test/scopes/glob-containment.test.ts checks it against
// picomatch on random globs and resources); a delegated token is only ever granted canonical resources (authorize
// refuses the rest), so containment proved here holds for every call the child can make.

/** Characters a segment may hold besides `*`; everything else is either a glob operator or not canonical. */
const LITERAL = /^[A-Za-z0-9._~:%=,;&-]$/;

type Element =
  | { kind: "char"; char: string }
  /** `*`: any run of characters other than "/". */
  | { kind: "segment-run" }
  /** Inside `**`: any run of characters. */
  | { kind: "any-run" }
  | { kind: "optional"; elements: Element[] };

const char = (c: string): Element => ({ kind: "char", char: c });

/** The segments of a glob or resource, or null when it has an empty, "." or ".." segment or a bad character. */
function segmentsOf(text: string, allowStar: boolean): string[] | null {
  if (text.length === 0 || text.length > 1024) return null;
  // picomatch compiles globs that start with "*" or "." through shortcuts of their own (`*.*` needs a character
  // after the dot, `*` alone…): their meaning is not the one stated above, so they stay outside the language.
  if (allowStar && (text.startsWith("*") || text.startsWith("."))) return null;
  const segments = text.split("/");
  for (let i = 0; i < segments.length; i++) {
    const segment = segments[i]!;
    // `scheme://host`: the one empty segment a resource may have, right after a first segment ending in ":".
    if (segment === "" && i === 1 && /^[A-Za-z][A-Za-z0-9.-]*:$/.test(segments[0]!) && segments.length > 2)
      continue;
    if (segment === "" || segment === "." || segment === "..") return null;
    if (segment === "**" && allowStar) continue;
    for (const c of segment) {
      if (c === "*" && allowStar) continue;
      if (!LITERAL.test(c)) return null;
    }
    if (segment.includes("**")) return null;
  }
  return segments;
}

/** A resource a delegated token may be used on: one spelling, nothing a glob or a path resolver reads specially. */
export const isCanonicalResource = (resource: string): boolean => segmentsOf(resource, false) !== null;

/** Whether a glob is inside the language containment can be proved in. */
export const inContainmentLanguage = (glob: string): boolean => parseGlob(glob) !== null;

/** The glob as elements, or null when it is outside the language above. */
function parseGlob(glob: string): Element[] | null {
  const segments = segmentsOf(glob, true);
  if (!segments) return null;
  const out: Element[] = [];
  const last = segments.length - 1;
  let separatorDone = true;
  for (let i = 0; i <= last; i++) {
    const segment = segments[i]!;
    if (segment === "**") {
      // (Never the first segment: a glob starting with "*" is outside the language.)
      if (segments[i - 1] === "**") return null;
      if (i === last) {
        // picomatch lets a trailing `/**` match nothing only after a literal (`a/**` matches `a`, `a*/**` not `ab`).
        const tail: Element[] = [char("/"), { kind: "any-run" }];
        if (segments[i - 1]!.endsWith("*")) out.push(...tail);
        else out.push({ kind: "optional", elements: tail });
      } else {
        if (!separatorDone) out.push(char("/"));
        out.push({ kind: "optional", elements: [{ kind: "any-run" }, char("/")] });
      }
      separatorDone = true;
      continue;
    }
    if (!separatorDone) out.push(char("/"));
    for (const c of segment) out.push(c === "*" ? { kind: "segment-run" } : char(c));
    separatorDone = false;
  }
  return out;
}

/** A nondeterministic automaton: per state, its epsilon moves and its moves on one symbol class. */
interface Automaton {
  epsilon: number[][];
  moves: Array<Array<{ on: "/" | "non-slash" | "any" | string; to: number }>>;
  start: number;
  accept: number;
}

function compile(elements: Element[]): Automaton {
  const epsilon: number[][] = [];
  const moves: Automaton["moves"] = [];
  const state = () => {
    epsilon.push([]);
    moves.push([]);
    return epsilon.length - 1;
  };
  const build = (sequence: Element[], from: number): number => {
    let at = from;
    for (const element of sequence) {
      const next = state();
      if (element.kind === "char") moves[at]!.push({ on: element.char, to: next });
      else {
        // Optional parts and runs get states of their own: a loop or a skip on `at` itself would be shared with
        // whatever else leaves `at`.
        const entry = state();
        epsilon[at]!.push(entry);
        if (element.kind === "optional") {
          epsilon[build(element.elements, entry)]!.push(next);
          epsilon[at]!.push(next);
        } else {
          moves[entry]!.push({ on: element.kind === "segment-run" ? "non-slash" : "any", to: entry });
          epsilon[entry]!.push(next);
        }
      }
      at = next;
    }
    return at;
  };
  const start = state();
  const accept = build(elements, start);
  return { epsilon, moves, start, accept };
}

const wildcards = (glob: string) => glob.split("*").length - 1;

/** Symbol `other` stands for every character neither glob names: all of them behave alike in both automata. */
const OTHER = "\u0000other";

function accepts(on: string, symbol: string): boolean {
  if (on === "any") return true;
  if (on === "non-slash") return symbol !== "/";
  return on === symbol;
}

function closure(automaton: Automaton, states: Iterable<number>): Set<number> {
  const seen = new Set<number>();
  const stack = [...states];
  while (stack.length > 0) {
    const s = stack.pop()!;
    if (seen.has(s)) continue;
    seen.add(s);
    stack.push(...automaton.epsilon[s]!);
  }
  return seen;
}

function step(automaton: Automaton, states: Set<number>, symbol: string): Set<number> {
  const next: number[] = [];
  for (const s of states)
    for (const move of automaton.moves[s]!) if (accepts(move.on, symbol)) next.push(move.to);
  return closure(automaton, next);
}

/** Work bounds: past them containment is not proved, so the caller refuses. Real globs need a few hundred steps. */
const MAX_WILDCARDS = 16;
const MAX_STEPS = 50_000;

/**
 * True only when every string `inner` matches is matched by one of `outers` (in the language above). Exact inside the
 * language; outside it, or past the work bound, false: what cannot be proved is refused.
 */
export function provablyContained(outers: readonly string[], inner: string): boolean {
  if (outers.includes(inner)) return true;
  const innerElements = parseGlob(inner);
  if (!innerElements || wildcards(inner) > MAX_WILDCARDS) return false;
  const outerAutomata: Automaton[] = [];
  for (const outer of outers) {
    const elements = parseGlob(outer);
    if (elements && wildcards(outer) <= MAX_WILDCARDS) outerAutomata.push(compile(elements));
  }
  if (outerAutomata.length === 0) return false;
  // One automaton for the union: the outer ones side by side, states renumbered.
  const union: Automaton = { epsilon: [[]], moves: [[]], start: 0, accept: -1 };
  const accepting = new Set<number>();
  for (const automaton of outerAutomata) {
    const offset = union.epsilon.length;
    union.epsilon.push(...automaton.epsilon.map((targets) => targets.map((t) => t + offset)));
    union.moves.push(...automaton.moves.map((list) => list.map((m) => ({ on: m.on, to: m.to + offset }))));
    union.epsilon[0]!.push(automaton.start + offset);
    accepting.add(automaton.accept + offset);
  }
  const innerAutomaton = compile(innerElements);
  const alphabet = new Set<string>(["/", OTHER]);
  for (const text of [inner, ...outers]) for (const c of text) if (c !== "*") alphabet.add(c);

  // Search the product of the inner automaton and the determinised union for an inner match the union lacks.
  const key = (s: number, set: Set<number>) => `${s}|${[...set].sort((a, b) => a - b).join(",")}`;
  const seen = new Set<string>();
  const queue: Array<[number, Set<number>]> = [];
  const visit = (innerStates: Set<number>, outerSet: Set<number>) => {
    for (const s of innerStates) {
      const k = key(s, outerSet);
      if (!seen.has(k)) {
        seen.add(k);
        queue.push([s, outerSet]);
      }
    }
  };
  visit(closure(innerAutomaton, [innerAutomaton.start]), closure(union, [0]));
  let steps = 0;
  for (let next = 0; next < queue.length; next++) {
    const [s, outerSet] = queue[next]!;
    if (s === innerAutomaton.accept && ![...outerSet].some((o) => accepting.has(o))) return false;
    for (const move of innerAutomaton.moves[s]!) {
      for (const symbol of alphabet) {
        if (!accepts(move.on, symbol)) continue;
        if (++steps > MAX_STEPS) return false;
        visit(closure(innerAutomaton, [move.to]), step(union, outerSet, symbol));
      }
    }
  }
  return true;
}
