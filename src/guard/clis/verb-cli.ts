// CLIs shaped `tool group… verb NAME --flags` (gcloud, az, doctl, fly, railway, heroku `pg:backups:delete`…): the verb
// word classifies the call; per-CLI rules add flag checks. Shared so each CLI file is only its own table.
import type { Analysis } from "../analysis.ts";
import { flagSet, type ParsedArgs, parseArgs } from "../args.ts";
import type { CommandAnalyzer, Invocation } from "../command.ts";
import { unseenSql, valueFile } from "../unseen-sql.ts";
import {
  action,
  DESTRUCTIVE_VERBS,
  DISABLING_VERBS,
  namesSafetyNet,
  READ_VERBS,
  resourceName,
} from "../vocabulary.ts";
import { PROTECTION_WORD, protectionsOff, subjectSwitchedOff } from "./protection-flags.ts";
import { protectionsEditedOff } from "./setting-edits.ts";
import { leadingWords, removesOwnPlugin, withSubcommandWords } from "./unjudged-words.ts";
import { flagPairs, shortRetentions } from "./zero-retention.ts";

export interface VerbCall {
  /** Command-path words before the verb (`sql instances` in `gcloud sql instances delete x`). */
  path: string[];
  verb: string;
  /** Positionals after the verb: usually the resource names. */
  names: string[];
  parsed: ParsedArgs;
  inv: Invocation;
}

export interface VerbRule {
  when: (call: VerbCall) => boolean;
  apply: (call: VerbCall, an: Analysis) => void;
  /** Stop after this rule instead of also applying the generic verb reading. */
  final?: boolean;
}

export interface VerbCliSpec {
  valueFlags?: readonly string[];
  /** `heroku pg:backups:delete` style: split positionals on ":". */
  colonSeparated?: boolean;
  /** Extra verbs, with their meaning, for this CLI only. */
  verbs?: Readonly<Record<string, "destructive" | "read" | "harmless">>;
  rules?: readonly VerbRule[];
  /** Words that make a path a safety net in this CLI (az `lock`). */
  safetyNetWords?: RegExp;
  /** How many leading positionals to search for the verb. */
  depth?: number;
  /** Go-style flags (`-address=https://…`), one dash for a long name: never a cluster of one-letter switches. */
  singleDashLong?: boolean;
}

/** Read verbs that are also the names of command groups (`gcloud logging logs delete`). */
const READ_NOUNS = new Set([
  "logs",
  "log",
  "history",
  "output",
  "info",
  "status",
  "version",
  "dump",
  "export",
]);

const CREATING: Record<string, string> = {
  create: "create",
  add: "create",
  capture: "create",
  up: "create",
  deploy: "create",
  redeploy: "create",
  restart: "restart",
};

/** What a creating word does (`add` creates), from the table's own keys only. */
function creatingVerb(word: string): string | undefined {
  const w = word.toLowerCase();
  return Object.hasOwn(CREATING, w) ? CREATING[w] : undefined;
}

export function verbCli(name: string, spec: VerbCliSpec): CommandAnalyzer {
  const valueFlags = flagSet(...(spec.valueFlags ?? []));
  const wordsOf = (parsed: ParsedArgs) =>
    spec.colonSeparated
      ? parsed.positionals.flatMap((p, i) => (i === 0 ? p.split(":") : [p]))
      : parsed.positionals;
  // The command path is among the positionals: option values the spec names are not.
  const singleDashLong = spec.singleDashLong ?? false;
  return withSubcommandWords(verbCall(name, spec, valueFlags, wordsOf), (inv) =>
    wordsOf(parseArgs(leadingWords(inv.args), { valueFlags, singleDashLong })),
  );
}

function verbCall(
  name: string,
  spec: VerbCliSpec,
  valueFlags: ReadonlySet<string>,
  wordsOf: (parsed: ParsedArgs) => string[],
): CommandAnalyzer {
  return (inv, an) => {
    const parsed = parseArgs(inv.args, { valueFlags, singleDashLong: spec.singleDashLong ?? false });
    if (asksForHelp(inv.args, spec.singleDashLong ?? false)) {
      an.harmless(`${name} -h only prints help`);
      return;
    }
    const words = wordsOf(parsed);
    const depth = spec.depth ?? 5;
    const kindOf = (w: string) =>
      // Own keys only: a word such as `constructor` names no verb of the table.
      (spec.verbs && Object.hasOwn(spec.verbs, w) ? spec.verbs[w] : undefined) ??
      (DESTRUCTIVE_VERBS.has(w)
        ? "destructive"
        : DISABLING_VERBS.has(w)
          ? "disable"
          : READ_VERBS.has(w)
            ? "read"
            : undefined);
    let at = -1;
    let kind: "destructive" | "read" | "harmless" | "disable" | undefined;
    for (let i = 0; i < Math.min(words.length, depth); i++) {
      kind = kindOf(words[i]!.toLowerCase());
      if (kind) {
        at = i;
        break;
      }
    }
    // A group named like a read verb (`gcloud logging logs delete`) is not the verb when a destroying one follows.
    if (kind === "read" && READ_NOUNS.has(words[at]!.toLowerCase()))
      for (let i = at + 1; i < Math.min(words.length, depth); i++) {
        const later = kindOf(words[i]!.toLowerCase());
        if (later === "destructive" || later === "disable") {
          kind = later;
          at = i;
          break;
        }
      }
    const call: VerbCall = {
      path: at >= 0 ? words.slice(0, at) : words.slice(0, depth),
      verb: at >= 0 ? words[at]!.toLowerCase() : "",
      names: at >= 0 ? words.slice(at + 1) : [],
      parsed,
      inv,
    };
    const dryRun = parsed.has("--dry-run", "--dryrun", "--preview", "--what-if");
    for (const rule of spec.rules ?? []) {
      if (!rule.when(call)) continue;
      rule.apply(call, an);
      if (rule.final) return;
    }
    if (!kind || kind === "read" || kind === "harmless") {
      const creatingAt = [...call.path, call.verb].findIndex((w) => creatingVerb(w) !== undefined);
      const shown = `${name} ${[...call.path, call.verb].filter(Boolean).join(" ")}`;
      if (creatingAt > 0) {
        const words = [...call.path, call.verb];
        an.harmless(
          shown,
          action(resourceName(words.slice(0, creatingAt)), creatingVerb(words[creatingAt]!)!),
        );
      } else if (kind) an.harmless(`${shown} ${kind === "read" ? "only reads" : "loses nothing"}`);
      return;
    }
    const shown = `${name} ${[...call.path, call.verb].filter(Boolean).join(" ")}${call.names[0] ? ` ${call.names[0]}` : ""}`;
    if (dryRun) {
      an.harmless(`${shown} is a dry run`);
      return;
    }
    if (call.path.length === 1 && removesOwnPlugin(call.path[0]!, call.verb)) {
      an.harmless(`${shown} uninstalls one of ${name}'s own add-ons, which installs again`);
      return;
    }
    const resource = resourceName(call.path.length ? call.path : call.names.slice(0, 1));
    const pathText = call.path.join(" ");
    const net = namesSafetyNet(pathText) || (spec.safetyNetWords?.test(pathText) ?? false);
    const verb = kind === "disable" ? "disable" : "delete";
    if (net)
      an.destroysSafetyNet(
        `${shown} ${kind === "disable" ? "switches off" : "destroys"} a safety net`,
        action(resource, verb),
      );
    else
      an.destroys(
        kind === "disable" ? `${shown} switches a protection off` : shown,
        action(resource, verb === "delete" && call.verb === "reset" ? "reset" : verb),
      );
  };
}

/**
 * Help is printed for `-h` or `--help` (Go-style `-help`) written as a word of its own: a cluster or a value that
 * happens to hold an `h` (`-address=https://…`, `-mode=orphan`) asks for none.
 */
function asksForHelp(args: readonly string[], singleDashLong: boolean): boolean {
  const end = args.indexOf("--");
  return (end < 0 ? args : args.slice(0, end)).some(
    (a) => a === "-h" || a === "--help" || (singleDashLong && a === "-help"),
  );
}

/** Rule helper: any of these flags (`--no-backup`, or `--flag value` written either way) removes a safety net. */
export function safetyNetFlag(flags: readonly string[], reason: string, actionName: string): VerbRule {
  const wanted = flags.map((f) => ` ${f.toLowerCase()} `);
  return {
    when: (c) => {
      const text = ` ${c.inv.args.join(" ").replace(/=/g, " ").toLowerCase()} `;
      return wanted.some((f) => text.includes(f));
    },
    apply: (c, an) =>
      an.destroysSafetyNet(
        `${c.inv.name} ${[...c.path, c.verb].filter(Boolean).join(" ")}: ${reason}`,
        actionName,
      ),
  };
}

/**
 * Rule helper: a retention flag set to at most one (day, backup, log): the backups or logs a recovery would need are
 * cut to nothing or next to nothing. Larger values are ordinary settings.
 */
export function retentionFlag(
  flags: readonly string[],
  reason: string,
  actionName: string,
  zeroKeepsForever?: RegExp,
): VerbRule {
  const kept = (c: VerbCall) =>
    c.parsed
      .values(...flags)
      .map((v) => Number.parseInt(v, 10))
      .filter((n) => Number.isInteger(n) && !(n === 0 && zeroKeepsForever?.test(c.path.join(" "))));
  return {
    when: (c) => kept(c).some((n) => n <= 1),
    apply: (c, an) =>
      an.destroysSafetyNet(
        `${c.inv.name} ${[...c.path, c.verb].filter(Boolean).join(" ")}: ${reason} (${Math.min(...kept(c))})`,
        actionName,
      ),
  };
}

/**
 * Rule helper: any retention flag or setting set to zero or a day or less (`--weekly-retention P0W`, `--soft-delete-duration=0s`,
 * `--set properties.retentionDays=0`) keeps no copy to recover from; `zeroKeepsForever` names the command paths where
 * zero means no deletion at all.
 */
export function zeroRetentionFlags(zeroKeepsForever?: RegExp): VerbRule {
  const zeros = (c: VerbCall) =>
    c.inv.args.some((a) => RETENTION_WORD.test(a)) ? shortRetentions(flagPairs(c.inv.args)) : [];
  return {
    when: (c) => zeros(c).length > 0 && !zeroKeepsForever?.test(c.path.join(" ")),
    apply: (c, an) =>
      an.destroysSafetyNet(
        `${c.inv.name} ${[...c.path, c.verb].filter(Boolean).join(" ")}: ${zeros(c).join(", ")} keeps a day or less to recover from`,
        "backup:disable",
      ),
  };
}

/** Flags whose values assign settings by path: `az resource update --set properties.deleteRetentionPolicy.enabled=false`. */
const SETTING_ASSIGNMENTS = /^--(?:set|set-string|add)$/;

/**
 * Rule helper: flags that switch a named protection off, in any CLI's spelling (see protection-flags.ts), and
 * settings assigned by path that do.
 */
export function protectionFlagsOff(): VerbRule {
  const off = (c: VerbCall) => {
    if (!c.inv.args.some((a) => PROTECTION_WORD.test(a))) return [];
    const flags = flagPairs(c.inv.args);
    const assigned = flags.flatMap(([flag, value]) =>
      SETTING_ASSIGNMENTS.test(flag) && value !== true ? value.split(",").flatMap(protectionsEditedOff) : [],
    );
    return [...protectionsOff(flags), ...subjectSwitchedOff(c.path, flags), ...assigned];
  };
  return {
    when: (c) => off(c).length > 0,
    apply: (c, an) =>
      an.destroysSafetyNet(
        `${c.inv.name} ${[...c.path, c.verb].filter(Boolean).join(" ")}: ${off(c).join(", ")} switches a protection off`,
        "deletion-protection:disable",
      ),
  };
}

/** The cheap test before reading retention settings. */
const RETENTION_WORD = /retent|retain|soft-?delete|deleteafter|backtrack/i;

/** Rule helper: SQL carried in these flags (`gcloud spanner databases execute-sql --sql …`) is read as SQL. */
export function sqlFlags(flags: readonly string[]): VerbRule {
  return {
    when: (c) => c.parsed.has(...flags),
    apply: (c, an) => {
      for (const sql of c.parsed.values(...flags)) {
        const file = valueFile(sql);
        if (file) unseenSql(an, c.inv.name, file);
        else an.nested.sql(sql);
      }
    },
  };
}
