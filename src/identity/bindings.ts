// Which binding a verified workload acts under, for the scope it asks for: the first in file order that matches.
import type { TrustedIssuer, WorkloadBinding } from "../scopes/identities.ts";
import { matchesResource } from "../scopes/resource-glob.ts";
import { claimsMatch } from "./claim-match.ts";

/**
 * The first binding of `issuer` whose claims match and whose scope globs include `scopeId`, or null. File order
 * decides, as in a firewall's rule list, so an admin can put a narrower binding before a broader one.
 */
export function findBinding(
  issuer: TrustedIssuer,
  claims: Record<string, unknown>,
  scopeId: string,
): WorkloadBinding | null {
  for (const binding of issuer.bindings) {
    if (matchesResource(binding.scopes, scopeId) && claimsMatch(binding.claims, claims)) return binding;
  }
  return null;
}
