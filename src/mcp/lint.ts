// `leash mcp lint`: a gateway config checked against the scopes it will be judged by, without starting anything.
import { renderTemplate } from "../proxy/resource-template.ts";
import { matchesResource } from "../scopes/resource-glob.ts";
import type { ScopeSet } from "../scopes/scope-set.ts";
import type { McpConfig, McpConfigProblem, ToolMapping } from "./config.ts";

export interface McpLintResult {
  /** Mistakes: the gateway would refuse calls the operator meant to allow, or could not say what a call touches. */
  problems: McpConfigProblem[];
  /** Worth knowing, not wrong: tools no token can ever call, tools held for a human. */
  notes: string[];
}

export function lintMcpConfig(config: McpConfig, set: ScopeSet): McpLintResult {
  const problems: McpConfigProblem[] = [];
  const notes: string[] = [];
  const problem = (path: string, message: string) => problems.push({ file: config.file, path, message });

  config.upstreams.forEach((upstream, i) => {
    const at = `upstreams[${i}]`;
    const environments = upstream.environments.flatMap((name) => {
      const environment = set.environments.get(name);
      if (!environment) {
        problem(`${at}.environments`, `${JSON.stringify(name)} is not an environment in environments.yaml`);
        return [];
      }
      return [environment];
    });
    const check = (tool: string, mapping: ToolMapping, path: string) => {
      const action = set.actions.get(mapping.action);
      if (!action) {
        problem(
          `${path}.action`,
          `${mapping.action} is not in the action catalogue (actions.yaml); no token can grant it`,
        );
        return;
      }
      if (!action.grantable) {
        notes.push(
          `${upstream.name}/${tool}: ${mapping.action} is not grantable: no token can ever call this tool`,
        );
        return;
      }
      for (const environment of environments) {
        // Every argument standing in for the environment's name: a template that can reach the environment at all
        // renders into it this way (resource globs name environments by a path segment).
        const sample = new Proxy(
          {},
          {
            get: () => environment.name,
            has: () => true,
            getOwnPropertyDescriptor: () => ({
              value: environment.name,
              enumerable: true,
              configurable: true,
            }),
          },
        );
        const rendered = renderTemplate(mapping.resource, {
          env: environment.name,
          args: sample as Record<string, unknown>,
        });
        if (rendered.ok && !matchesResource(environment.resources, rendered.resource)) {
          problem(
            `${path}.resource`,
            `${mapping.resource.source} cannot name a resource of ${environment.name} (its resources are ${environment.resources.join(", ")}); every call would be refused as wrong_environment`,
          );
        }
        const granting = [...set.scopes.values()].filter(
          (scope) => scope.environment === environment.name && scope.actions.includes(mapping.action),
        );
        if (granting.length === 0) {
          notes.push(
            `${upstream.name}/${tool}: no scope of ${environment.name} grants ${mapping.action}; no ${environment.name} token will see it`,
          );
        } else if (action.destructive && environment.protected) {
          notes.push(
            `${upstream.name}/${tool}: in ${environment.name} each call waits for a human's approval`,
          );
        }
      }
    };
    for (const [tool, mapping] of upstream.tools) check(tool, mapping, `${at}.tools.${tool}`);
    if (upstream.unmapped) check("(unmapped tools)", upstream.unmapped, `${at}.unmapped`);
    if (!upstream.denyUnmapped) {
      notes.push(
        `${upstream.name}: deny_unmapped is false: tools without a mapping are authorized as ${upstream.unmapped?.action}`,
      );
    }
  });
  return { problems, notes };
}
