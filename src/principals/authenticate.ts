// Finds the principal behind an API key: prefix, hash lookup, constant-time comparison, enabled check.
import { LeashError } from "../errors/leash-error.ts";
import type { Principal, Store } from "../store/store.ts";
import { apiKeyKind, hashApiKey, sameKeyHash } from "./api-key.ts";
import { PrincipalPointers } from "./principal-pointers.ts";

/** Per store: a pointer is only ever followed into the store whose record it was checked against. */
const pointersOf = new WeakMap<Store, PrincipalPointers>();

/** An API key's lookup, under way. */
export interface ApiKeyLookup {
  /**
   * The principal id this key led to when last seen, known before anything is read: a hint for reads that can start
   * alongside the lookup, never an authentication (the key may since have been rotated or disabled).
   */
  expectedId: string | undefined;
  /** The principal, authenticated: rejects with a 401/403 LeashError, or StoreUnavailableError. */
  principal: Promise<Principal>;
}

export function lookupApiKey(store: Store, key: string): ApiKeyLookup {
  const kind = apiKeyKind(key);
  if (!kind) {
    return {
      expectedId: undefined,
      principal: Promise.reject(
        new LeashError("invalid_api_key", "the API key is not a leash key (lsk_… or lsh_…)"),
      ),
    };
  }
  const keyHash = hashApiKey(key);
  let pointers = pointersOf.get(store);
  if (!pointers) {
    pointers = new PrincipalPointers();
    pointersOf.set(store, pointers);
  }
  const expectedId = pointers.get(keyHash);
  return { expectedId, principal: authenticate(store, pointers, kind, keyHash, expectedId) };
}

export const authenticateApiKey = (store: Store, key: string): Promise<Principal> =>
  lookupApiKey(store, key).principal;

async function authenticate(
  store: Store,
  pointers: PrincipalPointers,
  kind: Principal["kind"],
  keyHash: string,
  expectedId: string | undefined,
): Promise<Principal> {
  let principal: Principal | null = null;
  if (expectedId !== undefined) {
    // One read instead of the index's two; the record, read now, still decides whether the key is current.
    const record = await store.getPrincipal(expectedId);
    if (record && sameKeyHash(record.keyHash, keyHash)) principal = record;
    else pointers.forget(keyHash);
  }
  principal ??= await store.findPrincipalByKeyHash(keyHash);
  if (!principal || principal.kind !== kind || !sameKeyHash(principal.keyHash, keyHash)) {
    throw new LeashError("invalid_api_key", "the API key is unknown or was rotated");
  }
  pointers.remember(keyHash, principal.id);
  if (principal.disabled)
    throw new LeashError("principal_disabled", `${principal.kind} ${principal.id} is disabled`);
  return principal;
}
