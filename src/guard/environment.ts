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

interface Matchers {
  each: Matcher[];
  /**
   * Matches a lower-cased text with its quotes dropped wherever a marker or hint without blanks could match once
   * normalized: most commands name no environment, and this one scan spares them the rest. Dropping quotes leaves
   * every such word as it would be after normalizing, since collapsing blanks and `=` never changes a run without them.
   */
  mayMatch: RegExp | null;
  /** The same for markers with blanks (`acme prod`), matched against the normalized text. */
  mayMatchSpaced: RegExp | null;
}

const cache = new WeakMap<readonly EnvironmentMarkers[], Matchers>();

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const QUOTES = /["'`]/g;
/** `stage` as git's verb or a SQL object (`git stage`, `create or replace stage`, `drop stage if exists`). */
const STAGE_NOT_AN_ENVIRONMENT =
  /(\bgit |\b(?:create|replace|drop|alter|describe|desc|show|undrop) (?:(?:temporary|temp|if|not|exists) )*)stages?(?![a-z0-9])/g;
const BLANKS = /[\s=]+/g;
const FLAG_NAMES = /(^|\s)--?[a-z][\w-]*/g;

/** Lower case, quotes dropped, `=` and runs of blanks as one space: `--context=prod` and `--context "prod"` match `--context prod`. */
export function normalize(text: string): string {
  return normalizeLowered(text.toLowerCase());
}

function normalizeLowered(lowered: string): string {
  return lowered.replace(QUOTES, "").replace(BLANKS, " ");
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

const anyOf = (words: readonly string[]) =>
  words.length ? new RegExp(words.map(escapeRegExp).join("|")) : null;

function matchers(environments: readonly EnvironmentMarkers[]): Matchers {
  let compiled = cache.get(environments);
  if (!compiled) {
    const alternatives = environments
      .flatMap((env) => [...env.markers, ...hintWords(env)])
      .map((a) => normalize(a).trim())
      .filter(Boolean);
    compiled = {
      each: environments.map((env) => ({
        env,
        markers: boundaryPattern(env.markers),
        hints: boundaryPattern(hintWords(env)),
      })),
      mayMatch: anyOf(alternatives.filter((a) => !a.includes(" "))),
      mayMatchSpaced: anyOf(alternatives.filter((a) => a.includes(" "))),
    };
    cache.set(environments, compiled);
  }
  return compiled;
}

/** Whether the lower-cased text may name an environment (see Matchers.mayMatch). */
function mayName(lowered: string, { mayMatch, mayMatchSpaced }: Matchers): boolean {
  const unquoted = lowered.replace(QUOTES, "");
  if (mayMatch?.test(unquoted)) return true;
  return mayMatchSpaced?.test(unquoted.replace(BLANKS, " ")) === true;
}

export interface EnvironmentHit {
  env: EnvironmentMarkers;
  /** What matched: a marker or a generic hint word. */
  via: string;
  marker: boolean;
}

/** The family an environment's name belongs to (`prod` and `live` are production's), or undefined. */
function familyOf(name: string): readonly string[] | undefined {
  return FAMILIES.find(([re]) => re.test(name))?.[1];
}

/**
 * Environments read from the project an agent works in, which the agent or the repository wrote, as the guard takes
 * them: they add to the defaults and never hide what those see. A default environment is kept unless the project names
 * one of its family (`prod` for `production`), and such an environment is protected when the default is. With
 * `hintsToo` in detectEnvironments, a project's marker (`prod-db.internal` listed under staging) cannot silence the
 * words that name production either.
 */
export function projectEnvironments(project: readonly EnvironmentMarkers[]): readonly EnvironmentMarkers[] {
  // One merged list per project list, so that the matchers compiled for it are kept too.
  let merged = projectMerged.get(project);
  if (!merged) {
    merged = mergeDefaults(project);
    projectMerged.set(project, merged);
  }
  return merged;
}

const projectMerged = new WeakMap<readonly EnvironmentMarkers[], readonly EnvironmentMarkers[]>();

function mergeDefaults(project: readonly EnvironmentMarkers[]): EnvironmentMarkers[] {
  const families = (env: EnvironmentMarkers) => familyOf(env.name);
  const merged = project.map((env) => {
    const family = families(env);
    const protectedDefault = DEFAULT_ENVIRONMENTS.some((d) => d.protected && families(d) === family);
    return family && protectedDefault && !env.protected ? { ...env, protected: true } : env;
  });
  for (const fallback of DEFAULT_ENVIRONMENTS)
    if (!project.some((env) => families(env) === families(fallback))) merged.push(fallback);
  return merged;
}

/**
 * Environments the texts point at: by explicit markers, or, when none matches, by generic hints. `hintsToo`: the
 * hints of the environments no marker found count as well (for environments a project wrote, projectEnvironments).
 */
export function detectEnvironments(
  texts: readonly string[],
  environments: readonly EnvironmentMarkers[],
  { hintsToo = false } = {},
): EnvironmentHit[] {
  const compiled = matchers(environments);
  const lowered = texts.map((t) => t.toLowerCase());
  if (!lowered.some((t) => mayName(t, compiled))) return [];
  return readEnvironments(lowered, environments, hintsToo);
}

/** detectEnvironments without its first scan: every text is normalized and read (tests hold the scan to this). */
export function detectEnvironmentsFully(
  texts: readonly string[],
  environments: readonly EnvironmentMarkers[],
): EnvironmentHit[] {
  return readEnvironments(
    texts.map((t) => t.toLowerCase()),
    environments,
  );
}

function readEnvironments(
  lowered: string[],
  environments: readonly EnvironmentMarkers[],
  hintsToo = false,
): EnvironmentHit[] {
  const compiled = matchers(environments).each;
  const normalized = lowered.map(normalizeLowered);
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
  if (hits.length && !hintsToo) return hits;
  // Flag names are not values: `--production` is a switch, `--env production` points somewhere. Nor is a word that
  // names something else where it stands: `git stage` stages files, SQL's `CREATE STAGE` makes a Snowflake stage.
  const values = normalized.map((t) => t.replace(FLAG_NAMES, "$1 ").replace(STAGE_NOT_AN_ENVIRONMENT, "$1 "));
  for (const m of compiled) {
    if (hits.some((hit) => hit.env === m.env)) continue;
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
