// Which agent a task token was minted for, read from a token the broker has just verified (its signature covers the
// claims, so they are the broker's word).
import { parseTaskTokenClaims } from "../tokens/claims.ts";

/** The token's client_id; undefined when its claims do not read (then nothing is bounded or shared per agent). */
export function agentOf(token: string): string | undefined {
  try {
    const payload = JSON.parse(Buffer.from(token.split(".")[1] ?? "", "base64url").toString("utf8"));
    return parseTaskTokenClaims(payload)?.client_id;
  } catch {
    return undefined;
  }
}
