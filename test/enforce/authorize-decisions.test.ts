// The pure decisions of authorize, row by row: what the token and the scope as it is now say about a call
// (grantDenial), and which blast-radius counters the call must fit in (limitCounters).
import { beforeAll, describe, expect, it } from "vitest";
import { grantDenial, limitCounters } from "../../src/enforce/authorize.ts";
import type { ScopeSet } from "../../src/scopes/scope-set.ts";
import type { LimitCounter } from "../../src/store/store.ts";
import type { TaskTokenClaims } from "../../src/tokens/claims.ts";
import {
  loadTestScopeSet,
  withAction,
  withoutEnvironment,
  withoutScope,
  withScope,
} from "../helpers/scope-set.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
const production = (path: string) => `railway:prj_demo/env/production/${path}`;

// Limits of every kind, in an order the counter keys (owner:index) must keep.
const SCOPES = {
  "staging-fix.yaml": `
description: fix staging
environment: staging
agents: ["*"]
actions: [volume:read, volume:delete, service:update, service:restart]
resources: ["railway:prj_demo/env/staging/**"]
ttl: {default: 15m, max: 1h}
limits:
  - {match: {action: volume:delete}, max: 1, per: 1m, key: task, on_exceed: revoke_task}
  - {match: {destructive: true}, max: 3, per: 10m, key: agent, on_exceed: deny}
  - {match: {action: service:restart}, max: 5, per: 1h, key: scope, on_exceed: deny}
  - {match: {destructive: true}, max: 20, per: 1h, key: environment, on_exceed: deny}
`,
  "production-ops.yaml": `
description: operate production
environment: production
agents: ["*"]
actions: [service:restart, volume:delete]
resources: ["railway:prj_demo/env/production/**"]
ttl: {default: 15m, max: 30m}
limits:
  - {match: {destructive: true}, max: 2, per: 10m, key: task, on_exceed: revoke_task}
`,
};

let set: ScopeSet;
beforeAll(async () => {
  set = await loadTestScopeSet(SCOPES);
});

/** A staging-fix token for volume:read, volume:delete and service:restart on all of staging. */
const claims = (overrides: Partial<TaskTokenClaims> = {}): TaskTokenClaims => ({
  iss: "https://leash.test/envs/staging",
  aud: "urn:leash:env:staging",
  sub: "agent:agent-1",
  client_id: "agent-1",
  jti: "jti-1",
  iat: 1_700_000_000,
  nbf: 1_700_000_000,
  exp: 1_700_000_900,
  env: "staging",
  scope: "volume:read volume:delete service:restart",
  resources: [staging("**")],
  task: "task-1",
  intent: "fix",
  scope_id: "staging-fix",
  gen: "gen-1",
  ...overrides,
});

/** A token minted by token exchange, one step down (its resources were proved inside its parent's). */
const delegated = (overrides: Partial<TaskTokenClaims> = {}) =>
  claims({
    act: { sub: "agent:agent-1" },
    sub_task: "sub-1",
    parent: "jti-0",
    chain: ["jti-0"],
    depth: 1,
    ...overrides,
  });

describe("grantDenial", () => {
  interface Row {
    name: string;
    /** The scope set as it is at the call (a reload may have changed it since the mint). */
    now?: (set: ScopeSet) => ScopeSet;
    token?: TaskTokenClaims;
    action: string;
    resource: string;
    denial: string | null;
  }
  const rows: Row[] = [
    {
      name: "grants an action in the token and the scope, on a resource inside both",
      action: "volume:delete",
      resource: staging("volume/v1"),
      denial: null,
    },
    {
      name: "refuses every call of a token whose scope a reload removed",
      now: (set) => withoutScope(set, "staging-fix"),
      action: "volume:read",
      resource: staging("volume/v1"),
      denial: "scope_removed",
    },
    {
      name: "refuses a token whose environment is not its scope's, whatever the resources say",
      now: (set) => withScope(set, "staging-fix", { resources: [staging("**"), production("**")] }),
      token: claims({ env: "production", resources: [production("**")] }),
      action: "volume:read",
      resource: production("volume/v1"),
      denial: "wrong_environment",
    },
    {
      name: "refuses a token whose environment a reload removed",
      now: (set) => withoutEnvironment(set, "staging"),
      action: "volume:read",
      resource: staging("volume/v1"),
      denial: "wrong_environment",
    },
    {
      name: "refuses an action the scope allows but the token was not minted with",
      action: "service:update",
      resource: staging("service/web"),
      denial: "action_not_granted",
    },
    {
      name: "refuses an action the token names but a reload took out of the scope",
      now: (set) => withScope(set, "staging-fix", { actions: ["volume:read", "service:restart"] }),
      action: "volume:delete",
      resource: staging("volume/v1"),
      denial: "action_not_granted",
    },
    {
      name: "refuses an action the catalogue has since made not grantable",
      now: (set) => withAction(set, "volume:delete", { grantable: false }),
      action: "volume:delete",
      resource: staging("volume/v1"),
      denial: "action_not_granted",
    },
    {
      name: "refuses an action the catalogue no longer has",
      now: (set) => withAction(set, "volume:delete", null),
      action: "volume:delete",
      resource: staging("volume/v1"),
      denial: "action_not_granted",
    },
    {
      name: "refuses an action named nowhere",
      action: "volume:explode",
      resource: staging("volume/v1"),
      denial: "action_not_granted",
    },
    {
      name: "reports the action before the resource",
      action: "service:update",
      resource: production("service/web"),
      denial: "action_not_granted",
    },
    {
      name: "refuses a resource in another environment as wrong_environment",
      action: "volume:read",
      resource: production("volume/v1"),
      denial: "wrong_environment",
    },
    {
      name: "refuses a resource outside the environment even when a scope and token glob cover it",
      now: (set) => withScope(set, "staging-fix", { resources: [staging("**"), production("**")] }),
      token: claims({ resources: [staging("**"), production("**")] }),
      action: "volume:read",
      resource: production("volume/v1"),
      denial: "wrong_environment",
    },
    {
      name: "refuses a resource of the environment outside the token's resources",
      token: claims({ resources: [staging("service/*")] }),
      action: "volume:read",
      resource: staging("volume/v1"),
      denial: "resource_not_granted",
    },
    {
      name: "refuses a resource in the token's resources that a reload took out of the scope",
      now: (set) => withScope(set, "staging-fix", { resources: [staging("service/**")] }),
      action: "volume:read",
      resource: staging("volume/v1"),
      denial: "resource_not_granted",
    },
    {
      name: "grants a delegated token a canonical resource inside its resources",
      token: delegated({ resources: [staging("volume/*")] }),
      action: "volume:read",
      resource: staging("volume/v1"),
      denial: null,
    },
    {
      name: "refuses a delegated token a resource outside the language its containment was proved in",
      token: delegated(),
      action: "volume:read",
      resource: staging("volume/v[1]"),
      denial: "resource_not_granted",
    },
    {
      name: "lets a token minted directly use a resource a delegated one could not",
      action: "volume:read",
      resource: staging("volume/v[1]"),
      denial: null,
    },
  ];

  for (const { name, now, token, action, resource, denial } of rows) {
    it(name, () => {
      expect(grantDenial(now ? now(set) : set, token ?? claims(), action, resource)).toBe(denial);
    });
  }
});

describe("limitCounters", () => {
  interface Row {
    name: string;
    scope: string;
    token?: TaskTokenClaims;
    action: string;
    destructive: boolean;
    counters: LimitCounter[];
  }
  const MINUTE = 60_000;
  const rows: Row[] = [
    {
      name: "a safe action no limit names counts against nothing",
      scope: "staging-fix",
      action: "volume:read",
      destructive: false,
      counters: [],
    },
    {
      name: "a safe action a limit names counts against that limit, keyed by scope",
      scope: "staging-fix",
      action: "service:restart",
      destructive: false,
      counters: [
        { key: "scope:staging-fix:2:scope:staging-fix", max: 5, windowMs: 60 * MINUTE, onExceed: "deny" },
      ],
    },
    {
      name: "a destructive action counts against the limit naming it and every destructive limit, in order",
      scope: "staging-fix",
      action: "volume:delete",
      destructive: true,
      counters: [
        { key: "scope:staging-fix:0:task:agent-1/task-1", max: 1, windowMs: MINUTE, onExceed: "revoke_task" },
        { key: "scope:staging-fix:1:agent:agent-1", max: 3, windowMs: 10 * MINUTE, onExceed: "deny" },
        { key: "scope:staging-fix:3:environment:staging", max: 20, windowMs: 60 * MINUTE, onExceed: "deny" },
      ],
    },
    {
      name: "a task's counter is per agent: another agent's task of the same id has its own",
      scope: "staging-fix",
      token: claims({ client_id: "agent-2", sub: "agent:agent-2" }),
      action: "volume:delete",
      destructive: true,
      counters: [
        { key: "scope:staging-fix:0:task:agent-2/task-1", max: 1, windowMs: MINUTE, onExceed: "revoke_task" },
        { key: "scope:staging-fix:1:agent:agent-2", max: 3, windowMs: 10 * MINUTE, onExceed: "deny" },
        { key: "scope:staging-fix:3:environment:staging", max: 20, windowMs: 60 * MINUTE, onExceed: "deny" },
      ],
    },
    {
      name: "a safe action the caller says is destructive counts against the destructive limits too",
      scope: "staging-fix",
      action: "service:restart",
      destructive: true,
      counters: [
        { key: "scope:staging-fix:1:agent:agent-1", max: 3, windowMs: 10 * MINUTE, onExceed: "deny" },
        { key: "scope:staging-fix:2:scope:staging-fix", max: 5, windowMs: 60 * MINUTE, onExceed: "deny" },
        { key: "scope:staging-fix:3:environment:staging", max: 20, windowMs: 60 * MINUTE, onExceed: "deny" },
      ],
    },
    {
      name: "an action-named limit counts that action even when not destructive",
      scope: "staging-fix",
      action: "volume:delete",
      destructive: false,
      counters: [
        { key: "scope:staging-fix:0:task:agent-1/task-1", max: 1, windowMs: MINUTE, onExceed: "revoke_task" },
      ],
    },
    {
      name: "the environment's limits follow the scope's, under the environment's name",
      scope: "production-ops",
      token: claims({ env: "production", scope_id: "production-ops" }),
      action: "volume:delete",
      destructive: true,
      counters: [
        {
          key: "scope:production-ops:0:task:agent-1/task-1",
          max: 2,
          windowMs: 10 * MINUTE,
          onExceed: "revoke_task",
        },
        { key: "env:production:0:environment:production", max: 10, windowMs: 10 * MINUTE, onExceed: "deny" },
      ],
    },
    {
      name: "a safe action in production counts against neither the scope's nor the environment's destructive limits",
      scope: "production-ops",
      token: claims({ env: "production", scope_id: "production-ops" }),
      action: "service:restart",
      destructive: false,
      counters: [],
    },
  ];

  for (const { name, scope: id, token, action, destructive, counters } of rows) {
    it(name, () => {
      const scope = set.scopes.get(id)!;
      const environment = set.environments.get(scope.environment)!;
      expect(limitCounters(scope, environment, token ?? claims(), action, destructive)).toEqual(counters);
    });
  }
});
