// Maps a GraphQL request to the actions it performs: every top-level field of every operation, variables resolved.
import {
  type DefinitionNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  GraphQLError,
  Kind,
  type OperationDefinitionNode,
  parse,
  print,
  type SelectionSetNode,
  type ValueNode,
} from "graphql";
import { type ActionCall, type CallMapping, refuseMapping } from "./action-call.ts";
import type { ActionMapping, GraphqlRule } from "./compile-config.ts";
import { MAX_GRAPHQL_DEPTH, nestsDeeperThan, valueDeeperThan } from "./graphql-depth.ts";
import { renderTemplate } from "./resource-template.ts";

/** Bounds on what one request may ask for, so a crafted document cannot make the proxy do unbounded work. */
const MAX_TOKENS = 10_000;
export const MAX_ROOT_FIELDS = 50;

export interface GraphqlRequest {
  query: string;
  variables: Record<string, unknown>;
  operationName?: string;
}

export type GraphqlMapping =
  | { ok: true; calls: ActionCall[]; request: GraphqlRequest; document: DocumentNode }
  | Extract<CallMapping, { ok: false }>;

/**
 * The actions of a GraphQL-over-HTTP request body (already JSON-parsed). Every operation in the document is
 * authorized, not only the one `operationName` selects: the proxy does not bet on which one the upstream runs.
 */
export function graphqlCalls(rule: GraphqlRule, environment: string, body: unknown): GraphqlMapping {
  if (Array.isArray(body)) {
    return refuseMapping(
      "graphql_batch_not_supported",
      "batched GraphQL requests are not supported: send one",
    );
  }
  if (!body || typeof body !== "object") {
    return refuseMapping("invalid_graphql_request", 'expected a JSON object like {"query": "..."}');
  }
  const { query, variables, operationName } = body as Record<string, unknown>;
  if (typeof query !== "string" || query.trim() === "") {
    return refuseMapping(
      "invalid_graphql_request",
      "expected a GraphQL document in `query` (persisted queries are not supported)",
    );
  }
  if (
    variables !== undefined &&
    variables !== null &&
    (typeof variables !== "object" || Array.isArray(variables))
  ) {
    return refuseMapping("invalid_graphql_request", "expected `variables` to be a JSON object");
  }
  if (operationName !== undefined && operationName !== null && typeof operationName !== "string") {
    return refuseMapping("invalid_graphql_request", "expected `operationName` to be a string");
  }

  // graphql-js parses (and later code walks) recursively: a document nested thousands deep would overflow the stack.
  if (nestsDeeperThan(query, MAX_GRAPHQL_DEPTH)) {
    return refuseMapping(
      "graphql_too_deep",
      `the document nests deeper than ${MAX_GRAPHQL_DEPTH} levels of {, [ or (`,
    );
  }
  if (valueDeeperThan(variables ?? null, MAX_GRAPHQL_DEPTH)) {
    return refuseMapping("graphql_too_deep", `\`variables\` nest deeper than ${MAX_GRAPHQL_DEPTH} levels`);
  }

  let document: DocumentNode;
  try {
    document = parse(query, { noLocation: true, maxTokens: MAX_TOKENS });
  } catch (error) {
    if (!(error instanceof GraphQLError)) throw error;
    return refuseMapping("unparseable_graphql", `the GraphQL document does not parse: ${error.message}`);
  }

  const operations: OperationDefinitionNode[] = [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const definition of document.definitions) {
    if (definition.kind === Kind.OPERATION_DEFINITION) operations.push(definition);
    else if (definition.kind === Kind.FRAGMENT_DEFINITION) fragments.set(definition.name.value, definition);
    else return refuseMapping("unparseable_graphql", `${describeDefinition(definition)} is not executable`);
  }
  if (operations.length === 0) {
    return refuseMapping("unparseable_graphql", "the document has no query or mutation");
  }

  const provided = (variables ?? {}) as Record<string, unknown>;
  const calls: ActionCall[] = [];
  for (const operation of operations) {
    if (operation.operation === "subscription") {
      return refuseMapping("subscription_not_supported", "GraphQL subscriptions are not proxied");
    }
    const operationVariables = withDefaults(operation, provided);
    let fields: FieldNode[];
    try {
      fields = rootFields(operation.selectionSet, fragments);
    } catch (error) {
      if (!(error instanceof FragmentError)) throw error;
      return refuseMapping(error.code, error.message);
    }
    for (const field of fields) {
      const label = field.alias ? `${field.alias.value}: ${field.name.value}` : field.name.value;
      const mapping = mappingFor(rule, operation.operation, field.name.value);
      if (!mapping) {
        return operation.operation === "mutation"
          ? refuseMapping(
              "unknown_mutation",
              `mutation ${field.name.value} is not mapped to an action; unknown mutations are refused`,
              label,
            )
          : refuseMapping(
              "unknown_query",
              `query field ${field.name.value} is not mapped to an action and there is no default for queries`,
              label,
            );
      }
      // No prototype: an argument or variable named __proto__ is just a name.
      const args: Record<string, unknown> = Object.create(null);
      for (const argument of field.arguments ?? []) {
        args[argument.name.value] = literalValue(argument.value, operationVariables);
      }
      const rendered = renderTemplate(mapping.resource, { env: environment, args });
      if (!rendered.ok) {
        return refuseMapping(
          "unresolvable_resource",
          `${field.name.value}: ${rendered.problem}, so the resource it acts on is unknown`,
          label,
        );
      }
      calls.push({ action: mapping.action, resource: rendered.resource, field: label });
      if (calls.length > MAX_ROOT_FIELDS) {
        return refuseMapping("too_many_fields", `at most ${MAX_ROOT_FIELDS} top-level fields per request`);
      }
    }
  }
  return {
    ok: true,
    calls,
    document,
    request: {
      query: print(document),
      variables: provided,
      ...(typeof operationName === "string" ? { operationName } : {}),
    },
  };
}

function mappingFor(
  rule: GraphqlRule,
  operation: "query" | "mutation",
  field: string,
): ActionMapping | undefined {
  if (operation === "mutation") return rule.mutations.get(field);
  return rule.queryFields.get(field) ?? rule.queryDefault;
}

/** The variables an operation sees: what the request sent, and each definition's default for what it did not. */
function withDefaults(
  operation: OperationDefinitionNode,
  provided: Record<string, unknown>,
): Record<string, unknown> {
  const variables: Record<string, unknown> = Object.assign(Object.create(null), provided);
  for (const definition of operation.variableDefinitions ?? []) {
    const name = definition.variable.name.value;
    if (!Object.hasOwn(provided, name) && definition.defaultValue) {
      variables[name] = literalValue(definition.defaultValue, Object.create(null));
    }
  }
  return variables;
}

/**
 * An argument's value as the upstream will see it. Int and Float literals stay their source text: as JavaScript
 * numbers `9007199254740993` would read as …992, `-0` as `0` and `1e21` as `1e+21`, while graphql-js turns an Int
 * literal given for an ID into exactly its text. The forwarded document is printed from the same nodes, so it
 * carries the same literal.
 */
function literalValue(node: ValueNode, variables: Record<string, unknown>): unknown {
  switch (node.kind) {
    case Kind.INT:
    case Kind.FLOAT:
    case Kind.STRING:
    case Kind.ENUM:
      return node.value;
    case Kind.BOOLEAN:
      return node.value;
    case Kind.NULL:
      return null;
    case Kind.VARIABLE:
      return Object.hasOwn(variables, node.name.value) ? variables[node.name.value] : undefined;
    case Kind.LIST:
      return node.values.map((item) => literalValue(item, variables));
    case Kind.OBJECT: {
      const object: Record<string, unknown> = Object.create(null);
      for (const field of node.fields) object[field.name.value] = literalValue(field.value, variables);
      return object;
    }
  }
}

class FragmentError extends Error {
  constructor(
    message: string,
    readonly code: "unparseable_graphql" | "too_many_fields" = "unparseable_graphql",
  ) {
    super(message);
  }
}

/** Selections visited while looking for top-level fields; spreads can multiply work, so it is bounded. */
const MAX_SELECTIONS_VISITED = 1_000;

/** The top-level fields of a selection, looking through inline fragments and fragment spreads. */
function rootFields(
  selectionSet: SelectionSetNode,
  fragments: Map<string, FragmentDefinitionNode>,
): FieldNode[] {
  const fields: FieldNode[] = [];
  let visited = 0;
  const walk = (set: SelectionSetNode, expanding: Set<string>) => {
    for (const selection of set.selections) {
      if (++visited > MAX_SELECTIONS_VISITED || fields.length > MAX_ROOT_FIELDS) {
        throw new FragmentError(`at most ${MAX_ROOT_FIELDS} top-level fields per request`, "too_many_fields");
      }
      if (selection.kind === Kind.FIELD) fields.push(selection);
      else if (selection.kind === Kind.INLINE_FRAGMENT) walk(selection.selectionSet, expanding);
      else {
        const name = selection.name.value;
        const fragment = fragments.get(name);
        if (!fragment) throw new FragmentError(`fragment ${name} is used but not defined`);
        if (expanding.has(name)) throw new FragmentError(`fragment ${name} spreads itself`);
        walk(fragment.selectionSet, new Set([...expanding, name]));
      }
    }
  };
  walk(selectionSet, new Set());
  return fields;
}

function describeDefinition(definition: DefinitionNode): string {
  return `a ${definition.kind.replace(/([a-z])([A-Z])/g, "$1 $2").toLowerCase()}`;
}
