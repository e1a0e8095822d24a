// Which rule of an upstream a request falls under; the first REST rule that matches wins, nothing matching is refused.
import { type CallMapping, refuseMapping } from "./action-call.ts";
import type { GraphqlRule, RestRule, Upstream } from "./compile-config.ts";
import { renderTemplate } from "./resource-template.ts";
import { matchPath } from "./rest-path.ts";

export type RuleMatch =
  | { kind: "graphql"; rule: GraphqlRule }
  | { kind: "rest"; rule: RestRule; params: Record<string, string> }
  | { kind: "none" };

/** `path` is the path relative to the upstream (listen prefix removed), still percent-encoded, without the query. */
export function matchRule(upstream: Upstream, method: string, path: string): RuleMatch {
  // Every method on the GraphQL path belongs to the GraphQL rule, so a GET there gets a GraphQL-shaped refusal; and
  // before any REST rule, whatever their order, so a REST pattern that also matches the path cannot stand for the
  // mutations in the body. The path counts in every spelling routers take for it (Express ignores case and a
  // trailing slash).
  const routed = routerSpelling(path);
  for (const rule of upstream.rules) {
    if (rule.kind === "graphql" && routerSpelling(rule.path) === routed) return { kind: "graphql", rule };
  }
  for (const rule of upstream.rules) {
    if (rule.kind === "graphql") continue;
    if (!rule.methods.includes(method as RestRule["methods"][number])) continue;
    const params = matchPath(rule.path, path);
    if (params) return { kind: "rest", rule, params };
  }
  return { kind: "none" };
}

/** A path as lenient routers compare it: case-folded, without a trailing slash. */
const routerSpelling = (path: string) => path.toLowerCase().replace(/(.)\/$/, "$1");

/** The one action a REST request performs. */
export function restCall(rule: RestRule, environment: string, params: Record<string, string>): CallMapping {
  const rendered = renderTemplate(rule.resource, { env: environment, params });
  if (!rendered.ok) {
    return refuseMapping(
      "unresolvable_resource",
      `${rendered.problem}, so the resource it acts on is unknown`,
    );
  }
  return { ok: true, calls: [{ action: rule.action, resource: rendered.resource }] };
}
