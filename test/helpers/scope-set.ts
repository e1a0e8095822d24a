// A real ScopeSet for tests of pure decisions: the shipped environments and actions plus the scope files a test
// writes, through the same loader a broker uses, with copies changed the way a reload would change them.
import { loadScopeSet } from "../../src/scopes/load.ts";
import type { Action, Scope } from "../../src/scopes/schema.ts";
import type { ScopeSet } from "../../src/scopes/scope-set.ts";
import { removeScopeDirs, scopeDir } from "../scopes/scope-dir.ts";

/** Loads `files` (name → YAML) next to the shipped environments.yaml and actions.yaml; throws on any problem. */
export async function loadTestScopeSet(files: Record<string, string>): Promise<ScopeSet> {
  const result = await loadScopeSet(await scopeDir(files));
  await removeScopeDirs();
  if (!result.ok) throw new Error(`test scopes do not load: ${JSON.stringify(result.problems)}`);
  return result.set;
}

/** The set as a reload that changed one scope would leave it (the original is not touched). */
export const withScope = (set: ScopeSet, id: string, change: Partial<Scope>): ScopeSet => ({
  ...set,
  scopes: new Map(set.scopes).set(id, { ...set.scopes.get(id)!, ...change }),
});

/** The set as a reload that changed (or, with null, removed) one catalogue action would leave it. */
export const withAction = (set: ScopeSet, name: string, change: Partial<Action> | null): ScopeSet => {
  const actions = new Map(set.actions);
  if (change === null) actions.delete(name);
  else actions.set(name, { ...actions.get(name)!, ...change });
  return { ...set, actions };
};

/** The set without one scope, or one environment: what a token minted before a reload may meet. */
export const withoutScope = (set: ScopeSet, id: string): ScopeSet => {
  const scopes = new Map(set.scopes);
  scopes.delete(id);
  return { ...set, scopes };
};
export const withoutEnvironment = (set: ScopeSet, name: string): ScopeSet => {
  const environments = new Map(set.environments);
  environments.delete(name);
  return { ...set, environments };
};
