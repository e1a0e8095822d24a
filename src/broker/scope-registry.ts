// The scope set a broker process runs, reloadable (SIGHUP or admin endpoint). A reload that fails keeps the old set.

import type { ScopeSetHolder } from "../context/broker-context.ts";
import { lintScopeSet } from "../scopes/lint.ts";
import { formatProblem, type LoadScopeSetResult, loadScopeSet } from "../scopes/load.ts";
import type { ScopeProblem } from "../scopes/schema.ts";
import type { ScopeSet } from "../scopes/scope-set.ts";

/** Loads and lints a scopes directory: a set with any problem is not usable. */
export async function loadCheckedScopeSet(dir: string): Promise<LoadScopeSetResult> {
  const loaded = await loadScopeSet(dir);
  if (!loaded.ok) return loaded;
  const problems = lintScopeSet(loaded.set);
  return problems.length > 0 ? { ok: false, problems } : loaded;
}

export class ScopesInvalidError extends Error {
  constructor(readonly problems: ScopeProblem[]) {
    super(`scope files have ${problems.length} problem(s):\n${problems.map(formatProblem).join("\n")}`);
    this.name = "ScopesInvalidError";
  }
}

export class ScopeRegistry implements ScopeSetHolder {
  private constructor(
    private readonly dir: string,
    private set: ScopeSet,
  ) {}

  static async open(dir: string): Promise<ScopeRegistry> {
    const result = await loadCheckedScopeSet(dir);
    if (!result.ok) throw new ScopesInvalidError(result.problems);
    return new ScopeRegistry(dir, result.set);
  }

  current(): ScopeSet {
    return this.set;
  }

  /** Swaps in the directory's current files if they are valid; otherwise keeps running the old set. */
  async reload(): Promise<LoadScopeSetResult> {
    const result = await loadCheckedScopeSet(this.dir);
    if (result.ok) this.set = result.set;
    return result;
  }
}
