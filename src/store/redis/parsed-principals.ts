// Principal records as last parsed, by id. Every API-key call reads its principal's record (never cached: the record
// decides whether the key is current and the principal enabled), and parsing the same JSON again cost more than that
// read's share of its round trip. A record read back exactly as before is the same principal, handed out frozen so
// that no caller can change what the next one gets; a record that changed in any way is parsed anew.
import { OldestFirstMap } from "../../memo/oldest-first-map.ts";
import { parsePrincipal } from "../records.ts";
import type { Principal } from "../store.ts";

/** Records kept; past it the oldest leaves first. One per principal whose key is in use. */
const PRINCIPALS_KEPT = 10_000;

export class ParsedPrincipals {
  private readonly parsed = new OldestFirstMap<string, { json: string; principal: Principal }>(
    PRINCIPALS_KEPT,
  );

  /** The principal stored under `id` as `json`: corrupt JSON throws, as parsePrincipal does. */
  parse(id: string, json: string): Principal {
    const kept = this.parsed.get(id);
    if (kept?.json === json) return kept.principal;
    const principal = deepFreeze(parsePrincipal(json));
    this.parsed.set(id, { json, principal });
    return principal;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const member of Object.values(value)) deepFreeze(member);
  }
  return value;
}
