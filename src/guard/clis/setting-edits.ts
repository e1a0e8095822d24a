// Text edits that switch a protection off in infrastructure code or config: a substitution whose replacement writes
// `deletion_protection = false`, `skip_final_snapshot: true`, `backupRetentionPeriod: 0` or
// `removal_policy=RemovalPolicy.DESTROY`, one that writes `false` where the line names a protection, or a line or key
// deleted because it names one (`/prevent_destroy/d`, `del(.spec.deletionProtection)`).
import { splitWords } from "../vocabulary.ts";
import { protectionsOff, safetyNetsSkipped } from "./protection-flags.ts";
import { shortRetentions } from "./zero-retention.ts";

/** `name = value`, `name: value`, `"name": value`, `.a.b = value` as HCL, YAML, JSON, tfvars and yq spell them. */
const SETTING = /([A-Za-z_][\w.-]*)["']?\s*(?::|=|\|=)\s*["']?([\w.:-]+)/g;
/** Identifiers that may name a setting: `deletion_protection`, `spec.deletionProtection`. */
const IDENTIFIER = /[A-Za-z_][\w.-]*/g;
/** sed's and perl's `s/pattern/replacement/` with any punctuation delimiter, after an optional `/address/`. */
const SUBSTITUTION =
  /(?:^|[\s;{}])(?:\/((?:\\.|[^/\\\n])*)\/[IM]*\s*)?s([^\w\s\\])((?:\\.|(?!\2)[^\\\n])*)\2((?:\\.|(?!\2)[^\\\n])*)\2/g;
const HAS_SUBSTITUTION = new RegExp(SUBSTITUTION.source);
/** sed's `/pattern/d` and yq's `del(.path)`, which drop the line or key. */
const DELETION = /\/((?:\\.|[^/\\\n])*)\/[IM]*\s*d(?![\w])|\bdel\s*\(\s*([^)]*)\)/g;
/** A cheap test on the whole script before reading it. */
const SETTING_WORD =
  /protect|destroy|snapshot|backup|retent|retain|version|soft.?delete|pitr|point.?in|lock|audit|polic/i;

/** Leaves that switch the setting they belong to on or off: `deleteRetentionPolicy.enabled`, `versioning.status`. */
const SWITCH_LEAF = /^(?:is_?)?(?:enabled?|state|status)$/i;

/**
 * `spec.deletionProtection` → `--deletion-protection`, the flag spelling protection-flags.ts reads; a switch names its
 * parent (`properties.deleteRetentionPolicy.enabled` → `--delete-retention-policy`).
 */
function asFlag(name: string): string {
  const path = name.split(".");
  const leaf = path.at(-1) ?? name;
  const subject = path.length > 1 && SWITCH_LEAF.test(leaf) ? path.at(-2)! : leaf;
  return `--${splitWords(subject).join("-")}`;
}

/** Whether `name` set to `value` switches a protection off, cuts retention to nothing or skips a safety net. */
function isOff(name: string, value: string): boolean {
  const flag: [string, string][] = [[asFlag(name), value]];
  return (
    protectionsOff(flag).length > 0 || shortRetentions(flag).length > 0 || safetyNetsSkipped(flag).length > 0
  );
}

/** The settings in these pairs that switch a protection off, as `name value`; empty when none. */
function switchedOff(pairs: [string, string][]): string[] {
  return pairs.filter(([n, v]) => isOff(n, v)).map(([n, v]) => `${n} ${v}`);
}

/** Whether a setting's name is a protection whose absence leaves it off (deletion protection, prevent_destroy). */
function namesProtection(name: string): boolean {
  return protectionsOff([[asFlag(name), "false"]]).length > 0;
}

function settings(text: string): [string, string][] {
  return [...text.matchAll(SETTING)].map((m) => [m[1]!, m[2]!]);
}

/** The protections one substitution switches off or removes. */
function substitutionSwitchesOff(address: string, pattern: string, replacement: string): string[] {
  const written = settings(replacement);
  if (written.length) return switchedOff(written);
  // A bare value written where the address or pattern names the setting: `/deletion_protection/s/true/false/`.
  const value = replacement.trim();
  if (value && !/[\s:=]/.test(value)) {
    const named = [...`${address} ${pattern}`.matchAll(IDENTIFIER)].map((m): [string, string] => [
      m[0],
      value,
    ]);
    const off = switchedOff(named.filter(([n]) => n !== value && n !== pattern.trim()));
    if (off.length) return off;
  }
  // A protection that was on, matched and not written back: `s/prevent_destroy = true//`.
  return settings(pattern)
    .filter(([n, v]) => namesProtection(n) && !isOff(n, v) && !replacement.includes(n))
    .map(([n, v]) => `${n} ${v} removed`);
}

/**
 * The protections an in-place edit script switches off, as `name value`; empty when none or when the script names
 * no protection at all.
 */
export function protectionsEditedOff(script: string): string[] {
  if (!SETTING_WORD.test(script)) return [];
  const found: string[] = [];
  for (const m of script.matchAll(SUBSTITUTION))
    found.push(...substitutionSwitchesOff(m[1] ?? "", m[3]!, m[4]!));
  for (const m of script.matchAll(DELETION)) {
    const target = m[1] ?? m[2] ?? "";
    // Only a setting's own name (two words or more): `/backup/d` drops any line that mentions backups.
    const names = [...target.matchAll(IDENTIFIER)]
      .map((n) => n[0])
      .filter((n) => splitWords(n.split(".").pop() ?? n).length > 1 && namesProtection(n));
    found.push(...names.map((n) => `${n} deleted`));
  }
  // yq and jq assignments: `.spec.deletionProtection = false`.
  if (!found.length && !HAS_SUBSTITUTION.test(script)) found.push(...switchedOff(settings(script)));
  return found;
}
