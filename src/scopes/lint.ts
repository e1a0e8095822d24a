// Policy checks over a loaded scope set: what is valid YAML but unsafe to run (backups in reach, resources outside the environment...).
import { lintIdentityTrust } from "./lint-identities.ts";
import { loadScopeSet } from "./load.ts";
import { globContainedInAny, matchesResource } from "./resource-glob.ts";
import type { Action, Environment, Scope, ScopeProblem } from "./schema.ts";
import type { ScopeSet } from "./scope-set.ts";

/** Every policy problem in `set`, in scope order; an empty list means the set may be served. */
export function lintScopeSet(set: ScopeSet): ScopeProblem[] {
  const problems: ScopeProblem[] = [];
  for (const scope of set.scopes.values()) {
    const environment = set.environments.get(scope.environment);
    if (!environment) {
      // loadScopeSet refuses such a set; this guards sets built by hand.
      problems.push({
        file: scope.file,
        path: "environment",
        message: `expected an environment from environments.yaml, got ${JSON.stringify(scope.environment)}`,
      });
      continue;
    }
    const granted = grantedActions(scope, set.actions);
    const report = (path: string, message: string) => problems.push({ file: scope.file, path, message });
    checkGrantable(granted, report);
    checkDataAndBackups(granted, report);
    checkResources(scope, environment, report);
    checkTtl(scope, environment, report);
    checkProtectedApproval(scope, environment, granted, report);
    checkApprovalActions(scope, report);
    checkApprovalFactor(scope, granted, report);
    checkLimits(scope, report);
    checkVaultPath(scope, environment, report);
  }
  problems.push(...lintIdentityTrust(set));
  return problems;
}

/** Loads `dir` and, when it loads, lints it: every problem a person must fix before the set can be served. */
export async function lintScopeDir(dir: string): Promise<{ set?: ScopeSet; problems: ScopeProblem[] }> {
  const loaded = await loadScopeSet(dir);
  if (!loaded.ok) return { problems: loaded.problems };
  return { set: loaded.set, problems: lintScopeSet(loaded.set) };
}

type Report = (path: string, message: string) => void;

interface GrantedAction {
  index: number;
  action: Action;
}

function grantedActions(scope: Scope, catalogue: Map<string, Action>): GrantedAction[] {
  const granted: GrantedAction[] = [];
  scope.actions.forEach((name, index) => {
    const action = catalogue.get(name);
    if (action) granted.push({ index, action });
  });
  return granted;
}

function checkGrantable(granted: GrantedAction[], report: Report): void {
  for (const { index, action } of granted) {
    if (!action.grantable) {
      report(
        `actions[${index}]`,
        `expected only grantable actions, got ${JSON.stringify(action.name)} which actions.yaml marks grantable: false (no scope may include it)`,
      );
    }
  }
}

/**
 * The incident leash exists for: one token deleted a volume and the backups with it. Independent of `grantable`,
 * so that flipping a catalogue flag cannot quietly put backups back in reach.
 */
function checkDataAndBackups(granted: GrantedAction[], report: Report): void {
  const backups = granted.filter(({ action }) => action.backup).map(({ action }) => action.name);
  if (backups.length === 0) return;
  const data = granted
    .filter(({ action }) => action.destructive && !action.backup)
    .map(({ action }) => action.name);
  const message =
    data.length > 0
      ? `expected a scope that cannot delete both data and its backups, got data deletion (${data.join(", ")}) and backup deletion (${backups.join(", ")})`
      : `expected a scope that cannot destroy backups, got ${backups.join(", ")}`;
  report("actions", message);
}

function checkResources(scope: Scope, environment: Environment, report: Report): void {
  scope.resources.forEach((glob, i) => {
    if (!globContainedInAny(environment.resources, glob)) {
      report(
        `resources[${i}]`,
        `expected a resource glob inside environment ${JSON.stringify(environment.name)} (${environment.resources.join(", ")}), got ${JSON.stringify(glob)}`,
      );
    }
  });
}

function checkTtl(scope: Scope, environment: Environment, report: Report): void {
  const { ttl } = scope;
  if (ttl.default > ttl.max) {
    report("ttl.default", `expected at most ttl.max (${formatMs(ttl.max)}), got ${formatMs(ttl.default)}`);
  }
  if (ttl.max > environment.max_ttl) {
    report(
      "ttl.max",
      `expected at most environment ${JSON.stringify(environment.name)} max_ttl (${formatMs(environment.max_ttl)}), got ${formatMs(ttl.max)}`,
    );
  }
  const vaultTtl = scope.credentials?.vault.ttl;
  if (vaultTtl !== undefined && vaultTtl > ttl.max) {
    // Dynamic credentials that outlive every token of the task are long-lived secrets again.
    report(
      "credentials.vault.ttl",
      `expected at most ttl.max (${formatMs(ttl.max)}), got ${formatMs(vaultTtl)}`,
    );
  }
}

function checkProtectedApproval(
  scope: Scope,
  environment: Environment,
  granted: GrantedAction[],
  report: Report,
): void {
  if (!environment.protected || scope.approval.destructive) return;
  const unapproved = granted
    .filter(({ action }) => action.destructive && !scope.approval.actions?.[action.name])
    .map(({ action }) => action.name);
  if (unapproved.length === 0) return;
  report(
    "approval",
    `expected approval.destructive (or approval.actions for each destructive action) because environment ${JSON.stringify(environment.name)} is protected, got no approval for ${unapproved.join(", ")}`,
  );
}

function checkApprovalActions(scope: Scope, report: Report): void {
  for (const name of Object.keys(scope.approval.actions ?? {})) {
    if (!scope.actions.includes(name)) {
      report(
        `approval.actions[${JSON.stringify(name)}]`,
        `expected an action this scope grants, got ${JSON.stringify(name)}`,
      );
    }
  }
}

/**
 * A per-action rule wins over `approval.destructive`; when the latter asks for a passkey, a destructive action's own
 * rule that does not would quietly let a TOTP code approve it.
 */
function checkApprovalFactor(scope: Scope, granted: GrantedAction[], report: Report): void {
  if (scope.approval.destructive?.factor !== "webauthn") return;
  for (const [name, rule] of Object.entries(scope.approval.actions ?? {})) {
    const destructive = granted.some(({ action }) => action.name === name && action.destructive);
    if (destructive && rule.factor !== "webauthn") {
      report(
        `approval.actions[${JSON.stringify(name)}].factor`,
        "expected factor: webauthn, as approval.destructive asks: this rule takes its place for a destructive action, so a TOTP code would approve it",
      );
    }
  }
}

function checkLimits(scope: Scope, report: Report): void {
  scope.limits.forEach((limit, i) => {
    if ("action" in limit.match && !scope.actions.includes(limit.match.action)) {
      report(
        `limits[${i}].match.action`,
        `expected an action this scope grants, got ${JSON.stringify(limit.match.action)}`,
      );
    }
  });
}

function checkVaultPath(scope: Scope, environment: Environment, report: Report): void {
  const vaultPath = scope.credentials?.vault.path;
  if (vaultPath === undefined) return;
  if (environment.vault_paths.length === 0) {
    report(
      "credentials.vault.path",
      `expected no Vault credentials: environment ${JSON.stringify(environment.name)} declares no vault_paths, got ${JSON.stringify(vaultPath)}`,
    );
    return;
  }
  if (!matchesResource(environment.vault_paths, vaultPath)) {
    report(
      "credentials.vault.path",
      `expected a Vault path matching environment ${JSON.stringify(environment.name)} vault_paths (${environment.vault_paths.join(", ")}), got ${JSON.stringify(vaultPath)}`,
    );
  }
}

const UNITS: [string, number][] = [
  ["d", 86_400_000],
  ["h", 3_600_000],
  ["m", 60_000],
  ["s", 1_000],
];

/** Milliseconds back in the notation scope files use: 90 min → "90m", 2 h → "2h". */
function formatMs(ms: number): string {
  for (const [unit, size] of UNITS) {
    if (ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}
