// What a held MCP tool call will do, as its approver sees it: the tool and its exact arguments as one canonical text,
// which hashes to the request hash the approval is bound to. What the human reads is what runs, or nothing does.
import { createHash } from "node:crypto";
import type { ToolCallShown } from "../store/approval-record.ts";

export type { ToolCallShown };

/** Longest canonical arguments a gateway sends to be shown; beyond it the approval shows action and resource only. */
export const TOOL_CALL_ARGUMENTS_MAX = 32_768;

/**
 * JSON with object keys in code-point order at every depth and no whitespace, so two spellings of the same
 * arguments hash alike and any difference in a value hashes differently. Numbers print as JSON.stringify prints them.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== "object") return JSON.stringify(value) ?? "null";
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(",")}]`;
  const entries = Object.keys(value)
    .sort()
    .filter((key) => (value as Record<string, unknown>)[key] !== undefined)
    .map((key) => `${JSON.stringify(key)}:${canonicalJson((value as Record<string, unknown>)[key])}`);
  return `{${entries.join(",")}}`;
}

const hashOfCanonical = (upstream: string, tool: string, canonicalArguments: string) =>
  createHash("sha256").update(`mcp tools/call\n${upstream}\n${tool}\n${canonicalArguments}`).digest("hex");

/** What leash binds an approval to: the upstream, the tool and the exact arguments. */
export function toolCallHash(upstream: string, tool: string, args: Record<string, unknown>): string {
  return hashOfCanonical(upstream, tool, canonicalJson(args));
}

/** Why a shown tool call is not the call the request hash binds (or not canonical), or null when it is exactly it. */
export function toolCallShownProblem(shown: ToolCallShown, requestHash: string | undefined): string | null {
  let parsed: unknown;
  try {
    parsed = JSON.parse(shown.arguments);
  } catch {
    return "arguments are not JSON";
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed))
    return "arguments must be a JSON object";
  let canonical: string;
  try {
    canonical = canonicalJson(parsed);
  } catch {
    // A stack overflow on absurd nesting: not a call anyone can be shown.
    return "arguments nest too deeply";
  }
  if (canonical !== shown.arguments) return "arguments are not canonical JSON (sorted keys, no whitespace)";
  if (requestHash !== hashOfCanonical(shown.upstream, shown.tool, shown.arguments))
    return "request_hash is not the hash of this tool call";
  return null;
}
