// Masks upstream credentials everywhere in what the gateway hands an agent: every string, and every key, at any depth.
import { ErrorCode, McpError } from "@modelcontextprotocol/sdk/types.js";
import type { CredentialScrubber } from "../scrub/credential-scrubber.ts";

/** A copy of the value with the scrubber applied to each string in it (text, JSON in text, base64 data, keys). */
export function scrubDeep<T>(value: T, scrubber: CredentialScrubber): T {
  return walk(value, scrubber, 0) as T;
}

/** Results nest a few levels; anything deeper than this is cut rather than walked without end. */
const MAX_DEPTH = 64;

function walk(value: unknown, scrubber: CredentialScrubber, depth: number): unknown {
  if (typeof value === "string") return scrubber.scrubText(value);
  if (value === null || typeof value !== "object") return value;
  if (depth > MAX_DEPTH) return "[too deeply nested]";
  if (Array.isArray(value)) return value.map((item) => walk(item, scrubber, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(value)) {
    out[scrubber.scrubText(key)] = walk(item, scrubber, depth + 1);
  }
  return out;
}

/**
 * An error on its way to the agent as a JSON-RPC error, masked: the SDK sends a handler's error's message and data
 * as they are, and an upstream's error (its JSON-RPC error, or the body of an HTTP error) can hold its credential.
 * An error that is not an McpError keeps no code of its own: an HTTP status is no JSON-RPC error code.
 */
export function scrubError(error: unknown, scrubber: CredentialScrubber): McpError {
  const message = scrubber.scrubText(error instanceof Error ? error.message : String(error));
  const masked =
    error instanceof McpError
      ? new McpError(error.code, "", error.data === undefined ? undefined : scrubDeep(error.data, scrubber))
      : new McpError(ErrorCode.InternalError, "");
  // McpError prefixes its message with the code; the message kept is the one already written.
  masked.message = message;
  return masked;
}
