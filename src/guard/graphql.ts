// GraphQL: parsed with graphql-js; each mutation field is classified by the verb in its name (volumeDelete,
// delete_users_by_pk, deleteBranchProtectionRule) and by arguments like `force: true` or an empty `where`.
import { createRequire } from "node:module";
import type { ArgumentNode, SelectionSetNode, ValueNode } from "graphql";
import type { Kind as KindEnum } from "graphql/language/kinds.js";
import type { parse as Parse } from "graphql/language/parser.js";
import type { Analysis } from "./analysis.ts";

let parser: typeof Parse | null = null;
/** Set with the parser: only nodes it made are ever asked their kind. */
let Kind: typeof KindEnum;

/**
 * graphql-js's parser and its node kinds, loaded the first time a GraphQL document is met: most commands never need
 * them, and require() spares a hook's start-up the CommonJS export scan an ES import of graphql-js would cost.
 */
function parse(...args: Parameters<typeof Parse>): ReturnType<typeof Parse> {
  if (!parser) {
    const require = createRequire(import.meta.url);
    Kind = (require("graphql/language/kinds.js") as { Kind: typeof KindEnum }).Kind;
    parser = (require("graphql/language/parser.js") as { parse: typeof Parse }).parse;
  }
  return parser(...args);
}

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
const GRAPHQL_DESTRUCTIVE = new Set([...DESTRUCTIVE_VERBS, ...DISABLING_VERBS].filter((v) => v !== "clear"));
const NOT_A_RESOURCE = new Set(["by", "pk", "many", "one", "all", "input", "bulk", "batch"]);

export function analyzeGraphql(query: string, an: Analysis, variables?: unknown): void {
  if (variables !== undefined) an.note(JSON.stringify(variables));
  let document: ReturnType<typeof parse>;
  try {
    document = parse(query, { noLocation: true });
  } catch (error) {
    const mutation = /^\s*mutation\b/.test(query);
    const verb = splitWords(query).find((w) => GRAPHQL_DESTRUCTIVE.has(w));
    an.uncertain(
      `GraphQL does not parse (${(error as Error).message.split("\n")[0]})${verb ? `; it mentions "${verb}"` : ""}`,
      mutation || verb !== undefined,
    );
    return;
  }
  const fragments = new Map<string, SelectionSetNode>();
  for (const def of document.definitions)
    if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def.selectionSet);
  for (const def of document.definitions) {
    if (def.kind !== Kind.OPERATION_DEFINITION) continue;
    if (def.operation !== "mutation") {
      an.harmless(`GraphQL ${def.operation} only reads`);
      continue;
    }
    for (const field of topLevelFields(def.selectionSet, fragments))
      mutationField(field.name, field.arguments, an, variables);
  }
}

interface Field {
  name: string;
  arguments: readonly ArgumentNode[];
}

function topLevelFields(
  set: SelectionSetNode,
  fragments: Map<string, SelectionSetNode>,
  seen = new Set<string>(),
): Field[] {
  const out: Field[] = [];
  for (const sel of set.selections) {
    if (sel.kind === Kind.FIELD) out.push({ name: sel.name.value, arguments: sel.arguments ?? [] });
    else if (sel.kind === Kind.INLINE_FRAGMENT)
      out.push(...topLevelFields(sel.selectionSet, fragments, seen));
    else if (sel.kind === Kind.FRAGMENT_SPREAD && !seen.has(sel.name.value)) {
      seen.add(sel.name.value);
      const fragment = fragments.get(sel.name.value);
      if (fragment) out.push(...topLevelFields(fragment, fragments, seen));
    }
  }
  return out;
}

function mutationField(name: string, args: readonly ArgumentNode[], an: Analysis, variables: unknown): void {
  const words = splitWords(name);
  const verbAt = words.findIndex((w) => GRAPHQL_DESTRUCTIVE.has(w));
  const resourceWords = words.filter((w, i) => i !== verbAt && !NOT_A_RESOURCE.has(w) && !VERB_ALIASES[w]);
  const resource = resourceName(resourceWords.length ? resourceWords : ["resource"]);
  const resolved = Object.fromEntries(args.map((a) => [a.name.value, resolve(a.value, variables)]));
  const values = (key: string) => deepValues(resolved, key);
  if (verbAt >= 0) {
    const verb = words[verbAt]!;
    const disabling = DISABLING_VERBS.has(verb);
    const everything = values("where").some((w) => w && typeof w === "object" && Object.keys(w).length === 0);
    const reason = `mutation ${name}${everything ? " with an empty where: every row" : ""}`;
    const actionName = action(resource, disabling ? "disable" : "delete");
    if (namesSafetyNet(words.join(" ")))
      an.destroysSafetyNet(`${reason} destroys or disables a safety net`, actionName);
    else if (/protection|lock/.test(words.join(" ")))
      an.destroys(`${reason} removes a protection`, actionName);
    else an.destroys(reason, actionName);
    return;
  }
  if (values("force").some((v) => v === true)) {
    an.destroys(`mutation ${name} with force: true can overwrite history`, action(resource, "force-update"));
    return;
  }
  const everything = values("where").some((w) => w && typeof w === "object" && Object.keys(w).length === 0);
  if (everything && words.includes("update")) {
    an.destroys(`mutation ${name} with an empty where overwrites every row`, action(resource, "update"));
    return;
  }
  if (disablesProtection(args, variables)) {
    an.destroysSafetyNet(`mutation ${name} switches a protection off`, action(resource, "disable"));
    return;
  }
  const verb = words.map((w) => VERB_ALIASES[w]).find(Boolean) ?? "update";
  an.harmless(`mutation ${name}`, words.includes("redeploy") ? "deployment:create" : action(resource, verb));
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

/** Arguments like `{deletionProtection: false}` or `{versioning: "Suspended"}`. */
function disablesProtection(args: readonly ArgumentNode[], variables: unknown): boolean {
  const found: boolean[] = [];
  const visit = (value: unknown, key: string) => {
    if (value && typeof value === "object") {
      for (const [k, v] of Object.entries(value)) visit(v, k);
    } else if (
      namesSafetyNet(splitWords(key).join(" ")) &&
      (value === false || value === 0 || /^(disabled?|off|suspended|none)$/i.test(String(value)))
    ) {
      found.push(true);
    }
  };
  for (const a of args) visit(resolve(a.value, variables), a.name.value);
  return found.length > 0;
}

function resolve(value: ValueNode, variables: unknown): unknown {
  switch (value.kind) {
    case Kind.VARIABLE: {
      const vars = variables && typeof variables === "object" ? (variables as Record<string, unknown>) : {};
      return vars[value.name.value];
    }
    case Kind.OBJECT:
      return Object.fromEntries(value.fields.map((f) => [f.name.value, resolve(f.value, variables)]));
    case Kind.LIST:
      return value.values.map((v) => resolve(v, variables));
    case Kind.BOOLEAN:
      return value.value;
    case Kind.INT:
    case Kind.FLOAT:
      return Number(value.value);
    case Kind.NULL:
      return null;
    default:
      return value.value;
  }
}
