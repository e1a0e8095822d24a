// A loaded scopes directory: environments, actions, scopes and identities, validated and cross-checked together.
import type { IdentityTrust } from "./identities.ts";
import type { Action, Environment, Scope } from "./schema.ts";

/** Everything loaded from a scopes directory, validated and cross-checked. */
export interface ScopeSet {
  environments: Map<string, Environment>;
  actions: Map<string, Action>;
  scopes: Map<string, Scope>;
  /** identities.yaml: the OIDC issuers and bindings that let a workload mint without an agent key. */
  identities: IdentityTrust;
  /** SHA-256 over the files' contents: logged so operators can tell which set each process runs. */
  hash: string;
}
