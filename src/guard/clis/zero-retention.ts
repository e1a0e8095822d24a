// Retention set to nothing: a cloud CLI flag or setting named for retention (backups, long-term backups, logs, soft
// delete, snapshots) given zero in any spelling (0, 0d, 0s, P0D, PT0S, P0W, P0M, P0Y, 00:00:00) keeps no copy to
// recover from.

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

/** The retention settings in these flags (name and value) that are set to zero, as `name value`; empty when none. */
export function zeroRetentions(flags: Iterable<readonly [string, string | true]>): string[] {
  const found: string[] = [];
  for (const [name, value] of flags) {
    if (value === true) continue;
    if (RETENTION_NAME.test(name) && isZeroDuration(value)) found.push(`${name} ${value}`);
    else if (RETENTION_NAME.test(value))
      for (const m of value.matchAll(RETENTION_SETTING))
        if (isZeroDuration(m[2]!)) found.push(`${m[1]}=${m[2]}`);
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
