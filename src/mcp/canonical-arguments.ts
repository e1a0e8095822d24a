// The exact arguments of a tool call as one canonical text: an approval is bound to its hash.
import { createHash } from "node:crypto";

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

/** What leash binds an approval to: the upstream, the tool and the exact arguments. */
export function toolCallHash(upstream: string, tool: string, args: Record<string, unknown>): string {
  return createHash("sha256")
    .update(`mcp tools/call\n${upstream}\n${tool}\n${canonicalJson(args)}`)
    .digest("hex");
}
