// Creating, listing, disabling agents and humans and rotating their keys. Keys are returned once, never stored.
import { LeashError } from "../errors/leash-error.ts";
import type { Principal, Store } from "../store/store.ts";
import type { PrincipalKind } from "../store/targets.ts";
import { generateApiKey, hashApiKey } from "./api-key.ts";

export interface NewPrincipal {
  id: string;
  kind: PrincipalKind;
  scopes?: string[];
  roles?: string[];
  createdBy?: string;
  /** Humans: the enrolment token (hash and expiry) the human redeems for their TOTP secret. */
  enrolment?: Principal["enrolment"];
}

export interface PrincipalWithKey {
  principal: Principal;
  apiKey: string;
}

export async function createPrincipal(
  store: Store,
  input: NewPrincipal,
  nowMs: number,
): Promise<PrincipalWithKey> {
  if (await store.getPrincipal(input.id))
    throw new LeashError("principal_exists", `${input.id} already exists`);
  const apiKey = generateApiKey(input.kind);
  const principal: Principal = {
    id: input.id,
    kind: input.kind,
    keyHash: hashApiKey(apiKey),
    disabled: false,
    createdAt: nowMs,
    createdBy: input.createdBy,
    scopes: input.scopes ?? [],
    roles: input.roles ?? [],
    ...(input.enrolment ? { enrolment: input.enrolment } : {}),
  };
  await store.savePrincipal(principal);
  return { principal, apiKey };
}

async function existing(store: Store, kind: PrincipalKind, id: string): Promise<Principal> {
  const principal = await store.getPrincipal(id);
  if (!principal || principal.kind !== kind)
    throw new LeashError(`${kind}_not_found`, `no ${kind} with id ${id}`);
  return principal;
}

export async function setPrincipalDisabled(
  store: Store,
  kind: PrincipalKind,
  id: string,
  disabled: boolean,
): Promise<Principal> {
  const principal = { ...(await existing(store, kind, id)), disabled };
  await store.savePrincipal(principal);
  return principal;
}

/**
 * A new key for `id`, handed to the admin `by`, who from now on could act as the principal: recorded in `rekeyedBy`
 * (unless they rotate their own), so approvals treat them as they treat its creator.
 */
export async function rotatePrincipalKey(
  store: Store,
  kind: PrincipalKind,
  id: string,
  by: string,
  nowMs: number,
): Promise<PrincipalWithKey> {
  const apiKey = generateApiKey(kind);
  const current = await existing(store, kind, id);
  const rekeyedBy =
    by === id || (current.rekeyedBy ?? []).some((entry) => entry.by === by)
      ? current.rekeyedBy
      : [...(current.rekeyedBy ?? []), { by, at: nowMs }];
  const principal: Principal = {
    ...current,
    keyHash: hashApiKey(apiKey),
    ...(rekeyedBy ? { rekeyedBy } : {}),
  };
  await store.savePrincipal(principal);
  return { principal, apiKey };
}

/** What the API shows of a principal: never the key hash or TOTP secret. */
export function publicView(principal: Principal) {
  return {
    id: principal.id,
    kind: principal.kind,
    disabled: principal.disabled,
    created_at: new Date(principal.createdAt).toISOString(),
    created_by: principal.createdBy ?? null,
    scopes: principal.scopes,
    roles: principal.roles,
    ...(principal.kind === "human"
      ? {
          totp_confirmed: principal.totp?.confirmed ?? false,
          totp_enrolment_pending: principal.enrolment !== undefined,
          passkeys: (principal.passkeys ?? []).map((passkey) => ({
            id: passkey.id,
            created_at: new Date(passkey.createdAt).toISOString(),
          })),
        }
      : {}),
  };
}
