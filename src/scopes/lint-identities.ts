// Policy checks over identities.yaml: bindings that reach no scope, or that a stranger's workload could satisfy.
import type { ClaimMatcher, TrustedIssuer, WorkloadBinding } from "./identities.ts";
import { matchesResource } from "./resource-glob.ts";
import type { ScopeProblem } from "./schema.ts";
import type { ScopeSet } from "./scope-set.ts";

const GITHUB_ACTIONS_ISSUER = "https://token.actions.githubusercontent.com";
/** Claims that name who owns the workflow; without one, any repository on GitHub with a matching job would pass. */
const GITHUB_OWNER_CLAIMS = ["repository", "repository_id", "repository_owner", "repository_owner_id", "sub"];

export function lintIdentityTrust(set: ScopeSet): ScopeProblem[] {
  const { file, issuers } = set.identities;
  if (file === null) return [];
  const problems: ScopeProblem[] = [];
  issuers.forEach((issuer, i) => {
    issuer.bindings.forEach((binding, j) => {
      const report = (field: string, message: string) =>
        problems.push({ file, path: `issuers[${i}].bindings[${j}]${field}`, message });
      checkReachesScopes(set, binding, report);
      checkConstrained(issuer, binding, report);
    });
  });
  return problems;
}

type Report = (field: string, message: string) => void;

function checkReachesScopes(set: ScopeSet, binding: WorkloadBinding, report: Report): void {
  const reached = [...set.scopes.values()].filter((scope) => matchesResource(binding.scopes, scope.id));
  if (reached.length === 0) {
    report(".scopes", `expected globs matching at least one scope, got ${JSON.stringify(binding.scopes)}`);
    return;
  }
  if (binding.environment && !reached.some((scope) => scope.environment === binding.environment)) {
    report(
      ".environment",
      `expected at least one of the binding's scopes in environment ${binding.environment}, got none (${reached.map((s) => s.id).join(", ")})`,
    );
  }
}

/** A value of only wildcards matches whatever the issuer signs: it constrains nothing. */
const constrains = (matcher: ClaimMatcher): boolean =>
  typeof matcher === "string" ? /[^*?]/.test(matcher) : Object.values(matcher).some(constrains);

function checkConstrained(issuer: TrustedIssuer, binding: WorkloadBinding, report: Report): void {
  if (!Object.values(binding.claims).some(constrains)) {
    report(".claims", "expected at least one claim with a value other than wildcards");
    return;
  }
  if (issuer.issuer !== GITHUB_ACTIONS_ISSUER) return;
  // GitHub signs tokens for every repository on github.com: an owner-less binding trusts all of them.
  const owned = GITHUB_OWNER_CLAIMS.some((claim) => {
    const value = binding.claims[claim];
    return typeof value === "string" && !/^[*?]/.test(value);
  });
  if (!owned) {
    report(
      ".claims",
      `expected a claim naming the repository or its owner (${GITHUB_OWNER_CLAIMS.join(", ")}) that does not start with a wildcard: GitHub signs tokens for every repository`,
    );
  }
}
