// Which environment a command points at: the environments' own markers first, then generic hints such as `prod`
// as a hostname part, namespace or flag value. Matchers are compiled once per environments list.
import type { EnvironmentMarkers } from "./types.ts";

export const DEFAULT_ENVIRONMENTS: readonly EnvironmentMarkers[] = [
  { name: "production", protected: true, markers: [] },
  { name: "staging", protected: false, markers: [] },
];

/** Words that name an environment family when they stand alone in a command (`-n prod`, `es-prod.internal`). */
const FAMILIES: [RegExp, readonly string[]][] = [
  [/^(production|prod|prd|live)$/i, ["production", "prod", "prd"]],
  [/^(staging|stage|stg)$/i, ["staging", "stage", "stg"]],
  [/^(development|develop|dev)$/i, ["development"]],
  [/^(qa)$/i, ["qa"]],
  [/^(uat)$/i, ["uat"]],
  [/^(sandbox|sbx)$/i, ["sandbox"]],
];
/** Names too common in ordinary commands to betray an environment by themselves. */
const TOO_COMMON = new Set([
  "test",
  "tests",
  "local",
  "default",
  "main",
  "master",
  "dev",
  "preview",
  "ci",
  "demo",
  "app",
  "web",
  "api",
]);

interface Matcher {
  env: EnvironmentMarkers;
  markers: RegExp | null;
  hints: RegExp | null;
}

const cache = new WeakMap<readonly EnvironmentMarkers[], Matcher[]>();

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Lower case, quotes dropped, `=` and runs of blanks as one space: `--context=prod` and `--context "prod"` match `--context prod`. */
export function normalize(text: string): string {
  return text
    .toLowerCase()
    .replace(/["'`]/g, "")
    .replace(/[\s=]+/g, " ");
}

function boundaryPattern(alternatives: readonly string[]): RegExp | null {
  const parts = alternatives.map((a) => normalize(a).trim()).filter(Boolean);
  if (!parts.length) return null;
  return new RegExp(`(?<![a-z0-9])(?:${parts.map(escapeRegExp).join("|")})(?![a-z0-9])`);
}

function hintWords(env: EnvironmentMarkers): string[] {
  const family = FAMILIES.find(([re]) => re.test(env.name))?.[1];
  const words = new Set(family ?? []);
  if (!TOO_COMMON.has(env.name.toLowerCase()) && env.name.length >= 3) words.add(env.name.toLowerCase());
  return [...words];
}

function matchers(environments: readonly EnvironmentMarkers[]): Matcher[] {
  let compiled = cache.get(environments);
  if (!compiled) {
    compiled = environments.map((env) => ({
      env,
      markers: boundaryPattern(env.markers),
      hints: boundaryPattern(hintWords(env)),
    }));
    cache.set(environments, compiled);
  }
  return compiled;
}

export interface EnvironmentHit {
  env: EnvironmentMarkers;
  /** What matched: a marker or a generic hint word. */
  via: string;
  marker: boolean;
}

/** Environments the texts point at: by explicit markers, or, when none matches, by generic hints. */
export function detectEnvironments(
  texts: readonly string[],
  environments: readonly EnvironmentMarkers[],
): EnvironmentHit[] {
  const compiled = matchers(environments);
  const normalized = texts.map(normalize);
  const hits: EnvironmentHit[] = [];
  for (const m of compiled) {
    for (const text of normalized) {
      const found = m.markers?.exec(text);
      if (found) {
        hits.push({ env: m.env, via: found[0], marker: true });
        break;
      }
    }
  }
  if (hits.length) return hits;
  // Flag names are not values: `--production` is a switch, `--env production` points somewhere.
  const values = normalized.map((t) => t.replace(/(^|\s)--?[a-z][\w-]*/g, "$1 "));
  for (const m of compiled) {
    for (const text of values) {
      const found = m.hints?.exec(text);
      if (found) {
        hits.push({ env: m.env, via: found[0], marker: false });
        break;
      }
    }
  }
  return hits;
}

/** The environment an intent names ("fix staging"), when it names exactly one. */
export function environmentOfIntent(
  intent: string,
  environments: readonly EnvironmentMarkers[],
): string | undefined {
  const hits = detectEnvironments([intent], environments);
  return hits.length === 1 ? hits[0]!.env.name : undefined;
}
