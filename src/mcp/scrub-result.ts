// Masks upstream credentials everywhere in what the gateway hands an agent: every string, and every key, at any depth.
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
