// Matching resource names (`railway:prj_1/env/staging/volume/v1`, `postgres://db/app`) against scope and environment globs.
import picomatch from "picomatch";
import { OldestFirstMap } from "../memo/oldest-first-map.ts";

/**
 * `dot`: resources may have segments starting with "."; `nonegate`: a glob starting with "!" must never mean
 * "everything except", it is a literal; `windows: false`: "/" is the only separator whatever the host.
 * picomatch never lets `*` or `**` match a "." or ".." segment, so `staging/**` cannot reach `staging/../production`.
 */
const OPTIONS: picomatch.PicomatchOptions = { dot: true, nonegate: true, windows: false };

type Matcher = (input: string) => boolean;

/** Compiled globs; authorize calls this on every request, so each glob is compiled once. Bounded: globs can come from tokens. */
const MAX_CACHED = 5_000;
// Past the bound the oldest glob leaves first; scope globs are few, so this only trims token-borne ones.
const matchers = new OldestFirstMap<string, Matcher>(MAX_CACHED);

function matcherFor(glob: string): Matcher {
  let matcher = matchers.get(glob);
  if (matcher === undefined) {
    matcher = picomatch(glob, OPTIONS);
    matchers.set(glob, matcher);
  }
  return matcher;
}

/** True when `resource` (a literal name, not a glob) matches at least one of `globs`. */
export function matchesResource(globs: readonly string[], resource: string): boolean {
  if (resource.length === 0) return false;
  for (const glob of globs) {
    if (matcherFor(glob)(resource)) return true;
  }
  return false;
}

/** Enough segments that a chain of single `*` segments in `outer` is unlikely to cover them all. */
const DEEP = Array.from({ length: 12 }, (_, i) => `deep${i}`).join("/");

/**
 * Heuristic: is everything `inner` can match also matched by `outer`? True when `outer` matches `inner` read as a
 * literal string, e.g. `railway:p/env/staging/**` contains `railway:p/env/staging/volume/*`. A `**` in `inner`
 * spans segments, which a literal "**" segment hides from a single `*` in `outer` (`a/*` would "contain" `a/**`),
 * so `inner` must also match with each `**` expanded to many segments.
 */
export function globContains(outer: string, inner: string): boolean {
  const matcher = matcherFor(outer);
  if (!matcher(inner)) return false;
  if (!inner.includes("**")) return true;
  return matcher(inner.replaceAll("**", DEEP));
}

/** True when `inner` is contained in at least one of `outers`. */
export function globContainedInAny(outers: readonly string[], inner: string): boolean {
  return outers.some((outer) => globContains(outer, inner));
}
