// An operation named by what it does, called with JSON arguments: a GraphQL mutation field (volumeDelete,
// delete_users_by_pk, deleteBranchProtectionRule) or an MCP tool call (delete_branch, dropTable). The verb in the
// name, and arguments like `force: true`, an empty `where` or a protection switched off, say whether it destroys.
import type { Analysis } from "./analysis.ts";
import {
  action,
  DESTRUCTIVE_VERBS,
  DISABLING_VERBS,
  namesSafetyNet,
  resourceName,
  splitWords,
} from "./vocabulary.ts";

const VERB_ALIASES: Record<string, string> = {
  upsert: "write",
  set: "write",
  update: "update",
  create: "create",
  add: "create",
  insert: "create",
  redeploy: "create",
  deploy: "create",
  restart: "restart",
  rollback: "rollback",
};
/** `clear` names regenerable state as often as data (clearCache, clear_selection): only the arguments can tell. */
export const DESTRUCTIVE_OPERATION_VERBS: ReadonlySet<string> = new Set([
  ...[...DESTRUCTIVE_VERBS, ...DISABLING_VERBS].filter((v) => v !== "clear"),
  // Operations' own spellings: filesystem servers' rmdir and unlink, mail's expunge, git's discard_changes, Redis's
  // deletes from a hash, set, sorted set, list or stream.
  "hdel",
  "srem",
  "zrem",
  "lrem",
  "xdel",
  "rmdir",
  "unlink",
  "overwrite",
  "expunge",
  "discard",
]);
/**
 * A verb glued to what it acts on (`deleteitem`, `removeuser`, `deletes`), as all-lower-case names spell it; not a
 * noun or participle made from it (`deletion_status`, `list_deleted`, `removable`).
 */
const GLUED_VERB =
  /^(?:delete|remove|destroy|truncate|terminate|purge|obliterate)(?!ion|able|ing|ed|er|al|d$|rs?$)[a-z]/;
/** The destructive verb in an operation's words, or the glued verb one of them starts with. */
export function destructiveVerbAt(words: readonly string[]): number {
  const at = words.findIndex((w) => DESTRUCTIVE_OPERATION_VERBS.has(w));
  if (at >= 0) return at;
  if (LEADING_VERBS.has(words[0] ?? "")) return 0;
  return words.findIndex((w) => GLUED_VERB.test(w));
}
/**
 * Verbs that destroy only as the operation itself (`cleanup_pods`, `empty_trash`), not as a noun or adjective after
 * another verb (`list_cleanup_jobs`, `get_empty_slots`).
 */
const LEADING_VERBS = new Set(["cleanup", "empty"]);
/** Arguments that switch a destructive mode on: `{destroy: true}` (terraform apply), `{prune: true}`, `{purge: true}`. */
const MODE_VERBS = new Set(["destroy", "delete", "drop", "prune", "purge", "wipe", "truncate", "remove"]);
const isOn = (v: unknown) => v === true || v === "true";
const MATCH_ALL_FIELDS = ["where", "filter", "selector"];
const NOT_A_RESOURCE = new Set(["by", "pk", "many", "one", "all", "input", "bulk", "batch"]);

/** Judges `name(args)`; `what` names the kind of operation in the reasons ("mutation", "MCP tool"). */
export function judgeNamedOperation(
  what: string,
  name: string,
  args: Readonly<Record<string, unknown>>,
  an: Analysis,
): void {
  const words = splitWords(name);
  const verbAt = destructiveVerbAt(words);
  const resourceWords = words.filter((w, i) => i !== verbAt && !NOT_A_RESOURCE.has(w) && !VERB_ALIASES[w]);
  const resource = resourceName(resourceWords.length ? resourceWords : ["resource"]);
  const values = (key: string) => deepValues(args, key);
  // Hasura's `where`, MongoDB's `filter`: empty, they match every row or document.
  const everything = MATCH_ALL_FIELDS.flatMap(values).some(
    (w) => w && typeof w === "object" && !Array.isArray(w) && Object.keys(w).length === 0,
  );
  if (verbAt >= 0) {
    const verb = words[verbAt]!;
    const disabling = DISABLING_VERBS.has(verb);
    const reason = `${what} ${name}${everything ? " with an empty where: every row" : ""}`;
    const actionName = action(resource, disabling ? "disable" : "delete");
    if (namesSafetyNet(words.join("-")))
      an.destroysSafetyNet(`${reason} destroys or disables a safety net`, actionName);
    else if (/protection|lock/.test(words.join(" ")))
      an.destroys(`${reason} removes a protection`, actionName);
    else an.destroys(reason, actionName);
    return;
  }
  const mode = Object.keys(args).find((k) => MODE_VERBS.has(k.toLowerCase()) && isOn(args[k]));
  if (mode) {
    an.destroys(`${what} ${name} with ${mode}: true`, action(resource, "delete"));
    return;
  }
  if (values("force").some(isOn)) {
    an.destroys(`${what} ${name} with force: true can overwrite history`, action(resource, "force-update"));
    return;
  }
  if (everything && words.includes("update")) {
    an.destroys(`${what} ${name} with an empty where overwrites every row`, action(resource, "update"));
    return;
  }
  const switchedOff = protectionSwitchedOff(args);
  if (switchedOff === "safety net") {
    an.destroysSafetyNet(`${what} ${name} switches a protection off`, action(resource, "disable"));
    return;
  }
  if (switchedOff === "guard") {
    an.destroys(`${what} ${name} switches the server's own guard off`, action(resource, "disable"));
    return;
  }
  const verb = words.map((w) => VERB_ALIASES[w]).find(Boolean) ?? "update";
  an.harmless(`${what} ${name}`, words.includes("redeploy") ? "deployment:create" : action(resource, verb));
}

/** Every value stored under `key` anywhere in the arguments (`force` often sits inside `input`). */
function deepValues(value: unknown, key: string, out: unknown[] = []): unknown[] {
  if (Array.isArray(value)) for (const v of value) deepValues(v, key, out);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === key) out.push(v);
      deepValues(v, key, out);
    }
  }
  return out;
}

/** A server's own limits on what it runs: desktop-commander's blockedCommands, a database server's read-only mode. */
const GUARD_SETTING =
  /(?:^|-)(?:blocked-commands?|block-?list|deny-?list|read-?only|sandbox|safe-mode)(?:-|$)/;
const SETTING_NAME_FIELDS = ["key", "name", "setting", "option", "path"];
const isOff = (value: unknown) =>
  value === false || value === 0 || /^(?:false|disabled?|off|suspended|none|)$/i.test(String(value));
const isEmptyList = (value: unknown) => Array.isArray(value) && value.length === 0;

/**
 * Arguments like `{deletionProtection: false}`, `{versioning: "Suspended"}` (a safety net off), or desktop-commander's
 * `set_config_value {key: "blockedCommands", value: []}` (the server's guard off). A `{key, value}` pair is read as
 * `{[key]: value}`.
 */
function protectionSwitchedOff(args: unknown): "safety net" | "guard" | null {
  let found: "safety net" | "guard" | null = null;
  const judge = (value: unknown, key: string) => {
    const words = splitWords(key).join("-");
    if (namesSafetyNet(words) && isOff(value)) found = "safety net";
    else if (GUARD_SETTING.test(words) && (isOff(value) || isEmptyList(value))) found ??= "guard";
  };
  const visit = (value: unknown, key: string) => {
    if (found === "safety net") return;
    if (value && typeof value === "object" && !isEmptyList(value)) {
      const record = value as Record<string, unknown>;
      const named = SETTING_NAME_FIELDS.map((k) => record[k]).find((v) => typeof v === "string");
      if (typeof named === "string" && "value" in record) judge(record.value, named);
      for (const [k, v] of Object.entries(value)) visit(v, k);
    } else judge(value, key);
  };
  visit(args, "");
  return found;
}
