// Writes that replace a secret's current value (`doppler secrets set`, `vault kv put`, `gh secret set`…). Like any
// overwrite, they lose the old value unless the store keeps it: where it keeps earlier versions the write is harmless
// and says so; where it keeps none, or the guard cannot tell, the write may lose a value it cannot see, so a human is
// asked (uncertain, destructive).
import type { Analysis } from "../analysis.ts";
import type { VerbCall, VerbRule } from "./verb-cli.ts";
import { flagPairs } from "./zero-retention.ts";

/** How the store keeps the value a write replaces; null when it keeps none or may keep none. */
type Kept = string | null;

/** The reason and finding for one secret write; `lost` says why the old value may be gone when nothing keeps it. */
export function judgeSecretWrite(shown: string, kept: Kept, lost: string, an: Analysis): void {
  if (kept) an.harmless(`${shown} replaces a secret's current value; ${kept}`, "secret:overwrite");
  else
    an.uncertain(
      `${shown} replaces a secret's current value if it exists, and ${lost}`,
      true,
      "secret:overwrite",
    );
}

/**
 * Rule helper: positionals starting with `words` (`secrets set`) write a secret; `kept` says how the store keeps the
 * earlier value (null: it keeps none, and `lost` says so).
 */
export function secretWrite(words: RegExp, kept: Kept, lost = ""): VerbRule {
  const shown = (c: VerbCall) => `${c.inv.name} ${words.exec(c.parsed.positionals.join(" "))?.[0] ?? ""}`;
  return {
    when: (c) => words.test(c.parsed.positionals.join(" ")),
    apply: (c, an) => judgeSecretWrite(shown(c), kept, lost, an),
    final: true,
  };
}

/** Go's duration units in milliseconds, as vault reads `-delete-version-after=3h30m`. */
const GO_DURATION_UNIT_MS: Record<string, number> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1e3,
  m: 6e4,
  h: 3.6e6,
};
const GO_DURATION_PART = String.raw`(\d+(?:\.\d+)?)(ns|us|\u00b5s|ms|s|m|h)`;
const GO_DURATION = new RegExp(`^(?:${GO_DURATION_PART})+$`);
const GO_DURATION_PARTS = new RegExp(GO_DURATION_PART, "g");
const DAY_MS = 864e5;

/** A Go duration in milliseconds; null when it is not one. */
function goDurationMs(text: string): number | null {
  if (!GO_DURATION.test(text)) return null;
  let ms = 0;
  for (const [, n, unit] of text.matchAll(GO_DURATION_PARTS)) ms += Number(n) * GO_DURATION_UNIT_MS[unit!]!;
  return ms;
}

/**
 * `-delete-version-after` of at most a day (0 is vault's "never"): every version, the current one too, is deleted that
 * soon after it is written, and the applications reading it lose it.
 */
function versionsDeletedWithinADay(args: readonly string[]): string | null {
  for (const [flag, value] of flagPairs(args)) {
    if (value === true || !/^--?delete-version-after$/.test(flag)) continue;
    const ms = goDurationMs(value);
    if (ms !== null && ms > 0 && ms <= DAY_MS) return value;
  }
  return null;
}

/** Whether a flag matching `flag` is given `value`, as `-flag=value` or `-flag value`. */
const flagIs = (args: readonly string[], flag: RegExp, value: string) =>
  flagPairs(args).some(([name, v]) => v === value && flag.test(name));

/**
 * vault: KV version 2 keeps earlier versions, version 1 overwrites in place, and the command does not say which
 * engine the path is on; `kv patch` exists only in version 2. `-cas=0` refuses to overwrite.
 */
export const vaultSecretWrites: readonly VerbRule[] = [
  {
    when: (c) => /^kv put\b/.test(c.parsed.positionals.join(" ")),
    apply: (c, an) => {
      // -cas=0 writes only when the path holds nothing yet.
      if (flagIs(c.inv.args, /^--?cas$/, "0"))
        an.harmless("vault kv put -cas=0 writes only a secret that does not exist yet", "secret:create");
      else
        judgeSecretWrite(
          "vault kv put",
          null,
          "a KV version 1 engine keeps no earlier value (the command does not say which version the path is on)",
          an,
        );
    },
    final: true,
  },
  secretWrite(/^kv patch\b/, "only KV version 2 patches, and it keeps the earlier versions"),
  {
    // KV version 2 keeps -max-versions versions; one means every earlier version is deleted (0 is the default, 10).
    when: (c) =>
      /^kv metadata put\b/.test(c.parsed.positionals.join(" ")) &&
      flagIs(c.inv.args, /^--?max-versions$/, "1"),
    apply: (_c, an) =>
      an.destroysSafetyNet(
        "vault kv metadata put -max-versions=1 keeps only the latest version, deleting the earlier ones",
        "versioning:disable",
      ),
    final: true,
  },
  {
    when: (c) =>
      /^kv metadata put\b/.test(c.parsed.positionals.join(" ")) &&
      versionsDeletedWithinADay(c.inv.args) !== null,
    apply: (c, an) =>
      an.destroys(
        `vault kv metadata put -delete-version-after=${versionsDeletedWithinADay(c.inv.args)} deletes every version that soon after it is written (kv undelete brings one back until it is destroyed)`,
        "secret:delete",
      ),
    final: true,
  },
  secretWrite(
    /^write (?:secret|kv)\//,
    null,
    "a KV version 1 engine keeps no earlier value (the command does not say which version the path is on)",
  ),
];
