// Retention cut to nothing: a cloud CLI flag or setting named for retention (backups, long-term backups, logs, soft
// delete, snapshots) given zero in any spelling (0, 0d, 0s, P0D, PT0S, P0W, P0M, P0Y, 00:00:00), or a day or less
// (`DeleteAfterDays 1`, `--retention-in-days 1`, `PT12H`, `retention.ms=1000`), keeps no copy worth recovering from:
// whatever went wrong yesterday is already gone.

/** Flag or setting names that say how long copies are kept: `--weekly-retention`, `retentionDays`, `--soft-delete-duration`. */
const RETENTION_NAME =
  /retention|retain(?!-?until)|soft-?delete-?(?:duration|period|days)|deleteafterdays|backtrack-window/i;
/** A duration or count shape: ISO-8601 (`P0Y0M0D`, `PT0S`), a number with a unit (`0d`, `0days`), or hh:mm:ss. */
const DURATION_SHAPE = /^(?:P[0-9YMWDTHS.]+|\d[\d.]*\s*[a-z]*|\d+(?::\d+)+)$/i;
const NONZERO_DIGIT = /[1-9]/;
/** `key=value` or JSON `"key": value` pairs inside a flag's value (`--set properties.retentionDays=0`, JSON plans). */
const RETENTION_SETTING =
  /([\w.-]*(?:retention|retain|deleteafterdays)[\w.-]*)["']?\s*[:=]\s*["']?([\w.:]+)/gi;

/** Whether `value` is a zero duration or count in any spelling. */
export function isZeroDuration(value: string): boolean {
  const v = value.trim();
  return DURATION_SHAPE.test(v) && /\d/.test(v) && !NONZERO_DIGIT.test(v);
}

const SECONDS_PER_UNIT: Record<string, number> = {
  ms: 0.001,
  s: 1,
  sec: 1,
  secs: 1,
  second: 1,
  seconds: 1,
  m: 60,
  min: 60,
  mins: 60,
  minute: 60,
  minutes: 60,
  h: 3600,
  hr: 3600,
  hrs: 3600,
  hour: 3600,
  hours: 3600,
  d: 86400,
  day: 86400,
  days: 86400,
};
const ONE_DAY = 86400;
const AMOUNT = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i;
/** ISO-8601 durations with no years, months or weeks: `P1D`, `PT12H`, `PT90M`. */
const ISO_SHORT = /^P(?:0+Y)?(?:0+M)?(?:0+W)?(?:(\d+)D)?(?:T(?:([\d.]+)H)?(?:([\d.]+)M)?(?:([\d.]+)S)?)?$/i;
/** `hh:mm[:ss]`, with Azure's optional `d.` day prefix. */
const CLOCK = /^(?:(\d+)\.)?(\d+):(\d+)(?::(\d+))?$/;
/** Names that count copies rather than time (`--retention-count 1` keeps the latest copy). */
const COUNT_NAME = /count|copies|versions|number|keep|max/i;
/** The unit a bare number is in, from the setting's name: `retention.ms`, `--log-retention-hours`; days otherwise. */
const NAME_UNITS: [RegExp, number][] = [
  [/millis|(?:^|[._-])ms$/i, 0.001],
  [/second|secs?$/i, 1],
  [/minute|mins?$/i, 60],
  [/hour|hrs?$/i, 3600],
];

/** The seconds a duration spells, read in the unit its setting's name implies when bare; NaN when unreadable. */
function durationSeconds(name: string, value: string): number {
  const v = value.trim();
  const amount = AMOUNT.exec(v);
  if (amount) {
    const unit = amount[2]!.toLowerCase();
    const perUnit = unit
      ? SECONDS_PER_UNIT[unit]
      : (NAME_UNITS.find(([re]) => re.test(name))?.[1] ?? ONE_DAY);
    return perUnit === undefined ? Number.NaN : Number(amount[1]) * perUnit;
  }
  const iso = ISO_SHORT.exec(v);
  if (iso && v.length > 1)
    return (
      Number(iso[1] ?? 0) * ONE_DAY +
      Number(iso[2] ?? 0) * 3600 +
      Number(iso[3] ?? 0) * 60 +
      Number(iso[4] ?? 0)
    );
  const clock = CLOCK.exec(v);
  if (clock)
    return (
      Number(clock[1] ?? 0) * ONE_DAY +
      Number(clock[2]) * 3600 +
      Number(clock[3]) * 60 +
      Number(clock[4] ?? 0)
    );
  return Number.NaN;
}

/** Whether a retention setting keeps nothing, or a day at most (a count of copies only when zero). */
function keepsNextToNothing(name: string, value: string): boolean {
  if (isZeroDuration(value)) return true;
  if (COUNT_NAME.test(name)) return false;
  return durationSeconds(name, value) <= ONE_DAY;
}

/**
 * The retention settings in these flags (name and value) set to zero or to a day or less, as `name value`; empty
 * when none.
 */
export function shortRetentions(flags: Iterable<readonly [string, string | true]>): string[] {
  const found: string[] = [];
  for (const [name, value] of flags) {
    if (value === true) continue;
    if (RETENTION_NAME.test(name) && keepsNextToNothing(name, value)) found.push(`${name} ${value}`);
    else if (RETENTION_NAME.test(value))
      for (const m of value.matchAll(RETENTION_SETTING))
        if (keepsNextToNothing(m[1]!, m[2]!)) found.push(`${m[1]}=${m[2]}`);
  }
  return found;
}

/** `--flag=value` and `--flag value` pairs as written (a flag followed by another flag is a switch). */
export function flagPairs(args: readonly string[]): [string, string | true][] {
  const pairs: [string, string | true][] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (!a.startsWith("-")) continue;
    const eq = a.indexOf("=");
    if (eq > 0) pairs.push([a.slice(0, eq), a.slice(eq + 1)]);
    else {
      const next = args[i + 1];
      pairs.push([a, next !== undefined && !next.startsWith("-") ? next : true]);
    }
  }
  return pairs;
}

/** A word that may name a retention setting: the arguments are read as flags only when one does. */
const MAY_NAME_RETENTION = /retent|retain|soft-?delete|deleteafter|backtrack/i;

/** The retention settings a program's arguments cut to a day or less, read as flags (`--add-config retention.ms=1000`). */
export function shortRetentionsIn(args: readonly string[]): string[] {
  return args.some((a) => MAY_NAME_RETENTION.test(a)) ? shortRetentions(flagPairs(args)) : [];
}
