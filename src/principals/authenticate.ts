// Finds the principal behind an API key: prefix, hash lookup, constant-time comparison, enabled check.
import { LeashError } from "../errors/leash-error.ts";
import type { Principal, Store } from "../store/store.ts";
import { apiKeyKind, hashApiKey, sameKeyHash } from "./api-key.ts";

export async function authenticateApiKey(store: Store, key: string): Promise<Principal> {
  const kind = apiKeyKind(key);
  if (!kind) throw new LeashError("invalid_api_key", "the API key is not a leash key (lsk_… or lsh_…)");
  const keyHash = hashApiKey(key);
  const principal = await store.findPrincipalByKeyHash(keyHash);
  if (!principal || principal.kind !== kind || !sameKeyHash(principal.keyHash, keyHash)) {
    throw new LeashError("invalid_api_key", "the API key is unknown or was rotated");
  }
  if (principal.disabled)
    throw new LeashError("principal_disabled", `${principal.kind} ${principal.id} is disabled`);
  return principal;
}
