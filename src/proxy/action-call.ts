// What a proxied request asks leash to authorize, and why a request cannot be mapped at all.
import type { ToolCallShown } from "../approvals/tool-call.ts";
import { type ErrorCode, errorCatalogue } from "../errors/catalogue.ts";

/** One action on one resource; a GraphQL document yields one per top-level field. */
export interface ActionCall {
  action: string;
  resource: string;
  /** The GraphQL field it came from, as `alias: name` when aliased. */
  field?: string;
  /** Destructive whatever the catalogue says (an MCP tool its server annotates so): only ever stricter. */
  destructive?: true;
  /** What the call came through, for the audit record. */
  via?: string;
  /** An MCP tool call: the tool and its canonical arguments, shown to an approver if the call is held. */
  toolCall?: ToolCallShown;
}

/** A request the proxy refuses before asking leash: it cannot say which action it is, so it is not passed. */
export interface MappingRefusal {
  status: number;
  code: string;
  detail: string;
  field?: string;
}

export type CallMapping = { ok: true; calls: ActionCall[] } | ({ ok: false } & MappingRefusal);

/** A request the proxy cannot map, answered with the status the catalogue gives its code. */
export const refuseMapping = (
  code: ErrorCode,
  detail: string,
  field?: string,
): { ok: false } & MappingRefusal => ({
  ok: false,
  status: errorCatalogue[code].status,
  code,
  detail,
  ...(field ? { field } : {}),
});
