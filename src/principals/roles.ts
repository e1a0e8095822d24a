// Roles of humans and what they permit.
import { LeashError } from "../errors/leash-error.ts";
import type { Principal } from "../store/store.ts";

/** `resource-server` is for services that introspect tokens; it can do nothing else. */
export type Role = "admin" | "security" | "resource-server" | `approver:${string}`;
export const ROLE_PATTERN = /^(admin|security|resource-server|approver:[a-z0-9][a-z0-9_-]*)$/;

export function hasAnyRole(principal: Principal, roles: readonly string[]): boolean {
  return (
    principal.kind === "human" && principal.roles.some((role) => role === "admin" || roles.includes(role))
  );
}

/** Admins may do everything a role may; agents never hold roles. */
export function requireRole(principal: Principal, roles: readonly string[]): void {
  if (!hasAnyRole(principal, roles)) {
    throw new LeashError("role_required", `this needs one of the roles: ${["admin", ...roles].join(", ")}`);
  }
}
