// Which action and resource one tools/call is, decided before any I/O: refuse, or ask leash about exactly this.

import {
  canonicalJson,
  TOOL_CALL_ARGUMENTS_MAX,
  type ToolCallShown,
  toolCallHash,
} from "../approvals/tool-call.ts";
import { renderTemplate } from "../proxy/resource-template.ts";
import type { McpUpstream, ToolMapping } from "./config.ts";

/** What the gateway knows about a tool from the upstream's tools/list. */
export interface UpstreamTool {
  name: string;
  /** `annotations.destructiveHint === true`: the upstream says the tool may destroy; never made lighter. */
  destructiveHint: boolean;
}

export type ToolPlan =
  | {
      ok: true;
      tool: string;
      action: string;
      resource: string;
      /** The upstream annotates it destructive: leash treats it so whatever the action's catalogue entry says. */
      destructive: boolean;
      requestHash: string;
      arguments: Record<string, unknown>;
      /** What an approver is shown (absent for arguments too long to show: then action and resource only). */
      shown?: ToolCallShown;
    }
  | { ok: false; code: string; detail: string };

/** The mapping a tool is authorized under, or none (refused). */
export function mappingFor(upstream: McpUpstream, tool: string): ToolMapping | undefined {
  return upstream.tools.get(tool) ?? (upstream.denyUnmapped ? undefined : upstream.unmapped);
}

export function planToolCall(
  upstream: McpUpstream,
  tool: string,
  rawArguments: unknown,
  known: UpstreamTool | undefined,
): ToolPlan {
  const mapping = mappingFor(upstream, tool);
  if (!mapping) {
    return {
      ok: false,
      code: "unmapped_tool",
      detail: `the tool ${JSON.stringify(tool)} is not mapped to a leash action in the gateway's config; tools without a mapping are refused`,
    };
  }
  if (!known) {
    return {
      ok: false,
      code: "unknown_tool",
      detail: `upstream ${upstream.name} does not list a tool named ${JSON.stringify(tool)}`,
    };
  }
  const args = rawArguments ?? {};
  if (typeof args !== "object" || Array.isArray(args)) {
    return { ok: false, code: "invalid_arguments", detail: "the tool's arguments must be a JSON object" };
  }
  const values = args as Record<string, unknown>;
  const environment = upstream.environments.length === 1 ? upstream.environments[0]! : "";
  const rendered = renderTemplate(mapping.resource, { env: environment, args: values });
  if (!rendered.ok) {
    return {
      ok: false,
      code: "unresolvable_resource",
      detail: `${rendered.problem}, so the resource ${tool} acts on is unknown; nothing was sent`,
    };
  }
  const canonicalArguments = canonicalJson(values);
  return {
    ok: true,
    tool,
    action: mapping.action,
    resource: rendered.resource,
    destructive: known.destructiveHint,
    requestHash: toolCallHash(upstream.name, tool, values),
    arguments: values,
    ...(canonicalArguments.length <= TOOL_CALL_ARGUMENTS_MAX
      ? { shown: { upstream: upstream.name, tool, arguments: canonicalArguments } }
      : {}),
  };
}
