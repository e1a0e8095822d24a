// Which upstream tools an agent sees: only those its token's actions grant, the ones a human must approve marked so.
import type { Tool } from "@modelcontextprotocol/sdk/types.js";
import type { TokenGrants } from "../proxy/broker-client.ts";
import type { McpUpstream } from "./config.ts";
import { mappingFor } from "./tool-plan.ts";

export const APPROVAL_NOTE =
  "leash: each call of this tool waits for a human's approval (with a second factor)";

/** True when calls of this tool are held for a human: destructive in a protected environment. */
export function needsApproval(grants: TokenGrants, action: string, destructiveHint: boolean): boolean {
  const granted = grants.actions.find((a) => a.action === action);
  return granted !== undefined && (granted.approval || (grants.protected && destructiveHint));
}

/**
 * The tools this token may call: mapped (or covered by `unmapped` when unmapped tools are allowed) and with the
 * mapped action granted now. Whether the call's resource is granted depends on its arguments, so authorize decides it.
 */
export function visibleTools(upstream: McpUpstream, tools: readonly Tool[], grants: TokenGrants): Tool[] {
  return tools.flatMap((tool) => {
    const mapping = mappingFor(upstream, tool.name);
    const granted = mapping && grants.actions.find((a) => a.action === mapping.action);
    if (!mapping || !granted) return [];
    const hinted = tool.annotations?.destructiveHint === true;
    const shown = { ...tool, annotations: annotationsFor(tool, granted.destructive || hinted) };
    if (!needsApproval(grants, mapping.action, hinted)) return [shown];
    const description = tool.description ? `${tool.description}\n\n${APPROVAL_NOTE}.` : `${APPROVAL_NOTE}.`;
    return [{ ...shown, description }];
  });
}

/**
 * The hints the agent's client sees, which it may use to skip asking its user. An upstream's `readOnlyHint` and a
 * `destructiveHint: false` are its word alone (and a call's arguments can destroy whatever the tool is): neither is
 * passed on, so the client assumes what MCP says a tool without them may do. A tool leash or the upstream counts as
 * destructive is shown destructive.
 */
function annotationsFor(tool: Tool, destructive: boolean): Tool["annotations"] {
  const { readOnlyHint: _readOnly, destructiveHint: _destructive, ...rest } = tool.annotations ?? {};
  return { ...rest, ...(destructive ? { destructiveHint: true } : {}) };
}
