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

import { DESTRUCTIVE_OPERATION_VERBS, judgeNamedOperation } from "./named-operation.ts";
import { splitWords } from "./vocabulary.ts";

export function analyzeGraphql(query: string, an: Analysis, variables?: unknown): void {
  if (variables !== undefined) an.note(JSON.stringify(variables));
  let document: ReturnType<typeof parse>;
  try {
    document = parse(query, { noLocation: true });
  } catch (error) {
    const mutation = /^\s*mutation\b/.test(query);
    const verb = splitWords(query).find((w) => DESTRUCTIVE_OPERATION_VERBS.has(w));
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
      judgeNamedOperation(
        "mutation",
        field.name,
        Object.fromEntries(field.arguments.map((a) => [a.name.value, resolve(a.value, variables)])),
        an,
      );
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
