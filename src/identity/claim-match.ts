// Whether a workload token's verified claims satisfy a binding's matchers (AWS StringLike semantics for values).
import type { ClaimMatcher } from "../scopes/identities.ts";

const patterns = new Map<string, RegExp>();

/** `*` matches any run of characters (including "/" and ":"), `?` one character; everything else is literal. */
function patternFor(value: string): RegExp {
  let pattern = patterns.get(value);
  if (!pattern) {
    const body = [...value]
      .map((ch) =>
        ch === "*" ? "[\\s\\S]*" : ch === "?" ? "[\\s\\S]" : ch.replace(/[\\^$.|+()[\]{}]/g, "\\$&"),
      )
      .join("");
    pattern = new RegExp(`^${body}$`, "u");
    patterns.set(value, pattern);
  }
  return pattern;
}

/** A scalar claim as text; lists, objects and absence never match a string matcher. */
function claimText(claim: unknown): string | undefined {
  if (typeof claim === "string") return claim;
  if (typeof claim === "number" || typeof claim === "boolean") return String(claim);
  return undefined;
}

/** True when every matcher holds for `claims`; an object matcher needs an object claim with every key matching. */
export function claimsMatch(
  matchers: Record<string, ClaimMatcher>,
  claims: Record<string, unknown>,
): boolean {
  for (const [name, matcher] of Object.entries(matchers)) {
    if (!Object.hasOwn(claims, name)) return false;
    const claim = claims[name];
    if (typeof matcher === "string") {
      const text = claimText(claim);
      if (text === undefined || !patternFor(matcher).test(text)) return false;
    } else if (!claim || typeof claim !== "object" || Array.isArray(claim)) {
      return false;
    } else if (!claimsMatch(matcher, claim as Record<string, unknown>)) {
      return false;
    }
  }
  return true;
}
