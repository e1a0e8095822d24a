// decideGrant, row by row: what an agent may have of the token it asks for. Over-asking is refused, never narrowed.
import { beforeAll, describe, expect, it } from "vitest";
import { LeashError } from "../../src/errors/leash-error.ts";
import { decideGrant } from "../../src/issuance/issue-task-token.ts";
import type { MintRequest } from "../../src/issuance/mint-request.ts";
import type { ScopeSet } from "../../src/scopes/scope-set.ts";
import type { Principal } from "../../src/store/store.ts";
import { loadTestScopeSet } from "../helpers/scope-set.ts";

const staging = (path: string) => `railway:prj_demo/env/staging/${path}`;
const MINUTE = 60_000;

// staging's max_ttl (shipped environments.yaml) is 1h: below staging-fix's own maximum, above staging-read's.
const SCOPES = {
  "staging-fix.yaml": `
description: fix staging
environment: staging
agents: ["agent-*"]
actions: [volume:read, volume:delete, service:restart]
resources: ["railway:prj_demo/env/staging/volume/**", "railway:prj_demo/env/staging/service/**"]
ttl: {default: 15m, max: 2h}
`,
  "staging-read.yaml": `
description: read staging
environment: staging
agents: ["*"]
actions: [volume:read]
resources: ["railway:prj_demo/env/staging/**"]
ttl: {default: 5m, max: 30m}
`,
  "staging-ci.yaml": `
description: deploy staging from CI
environment: staging
agents: ["ci-*"]
actions: [deployment:create]
resources: ["railway:prj_demo/env/staging/**"]
ttl: {default: 15m, max: 1h}
`,
};

let set: ScopeSet;
beforeAll(async () => {
  set = await loadTestScopeSet(SCOPES);
});

const agent = (overrides: Partial<Principal> = {}): Principal => ({
  id: "agent-1",
  kind: "agent",
  keyHash: "a".repeat(64),
  disabled: false,
  createdAt: 1_700_000_000_000,
  scopes: ["staging-*"],
  roles: [],
  ...overrides,
});

/** What the call gave back: the grant (its scope by id), or the refusal's status, code and details. */
function decide(request: MintRequest, who: Principal, taskId?: string): unknown {
  try {
    const grant = decideGrant({ scopes: { current: () => set } }, who, request, taskId);
    return { ...grant, scope: grant.scope.id };
  } catch (error) {
    if (!(error instanceof LeashError)) throw error;
    return { status: error.status, code: error.code, extra: error.extra };
  }
}

interface Row {
  name: string;
  request: Partial<MintRequest>;
  agent?: Principal;
  /** The id a request without one is given. */
  taskId?: string;
  outcome: unknown;
}

const refused = (status: number, code: string, extra: Record<string, unknown> = {}) => ({
  status,
  code,
  extra,
});

const rows: Row[] = [
  {
    name: "grants the whole scope for its default ttl when the request names nothing more",
    request: {},
    taskId: "task-new",
    outcome: {
      scope: "staging-fix",
      agentId: "agent-1",
      task: { id: "task-new", intent: "fix" },
      actions: ["volume:read", "volume:delete", "service:restart"],
      resources: [staging("volume/**"), staging("service/**")],
      ttlMs: 15 * MINUTE,
    },
  },
  {
    name: "keeps the task id the request names",
    request: { task: { id: "task-mine", intent: "fix" } },
    outcome: expect.objectContaining({ task: { id: "task-mine", intent: "fix" } }),
  },
  {
    name: "grants fewer actions and narrower resources when asked, each once",
    request: {
      actions: ["volume:read", "volume:read"],
      resources: [staging("volume/v1"), staging("volume/v1"), staging("service/web/**")],
      ttl: "10m",
    },
    taskId: "task-new",
    outcome: {
      scope: "staging-fix",
      agentId: "agent-1",
      task: { id: "task-new", intent: "fix" },
      actions: ["volume:read"],
      resources: [staging("volume/v1"), staging("service/web/**")],
      ttlMs: 10 * MINUTE,
    },
  },
  {
    name: "refuses a scope that does not exist",
    request: { scope: "staging-everything" },
    outcome: refused(404, "unknown_scope"),
  },
  {
    name: "refuses an agent whose own scope globs do not include the scope",
    request: {},
    agent: agent({ scopes: ["production-*"] }),
    outcome: refused(403, "agent_not_allowed"),
  },
  {
    name: "refuses an agent the scope's agents do not include",
    request: { scope: "staging-ci" },
    outcome: refused(403, "agent_not_allowed"),
  },
  {
    name: "refuses an action no scope can grant, naming only that one",
    request: { actions: ["volume:read", "backup:delete"] },
    outcome: refused(403, "action_not_grantable", { refused: ["backup:delete"] }),
  },
  {
    name: "reports an action no scope can grant before one this scope does not allow",
    request: { actions: ["service:update", "backup:delete"] },
    outcome: refused(403, "action_not_grantable", { refused: ["backup:delete"] }),
  },
  {
    name: "refuses actions the scope does not allow instead of dropping them",
    request: { actions: ["volume:read", "service:update", "deployment:create"] },
    outcome: refused(403, "actions_not_allowed", { refused: ["service:update", "deployment:create"] }),
  },
  {
    name: "refuses an action the catalogue does not have as not allowed",
    request: { actions: ["volume:explode"] },
    outcome: refused(403, "actions_not_allowed", { refused: ["volume:explode"] }),
  },
  {
    name: "refuses resources outside the scope instead of narrowing them",
    request: { resources: [staging("volume/v1"), staging("database/main"), staging("**")] },
    outcome: refused(403, "resources_not_allowed", { refused: [staging("database/main"), staging("**")] }),
  },
  {
    name: "refuses a ttl above the environment's maximum when the scope's is higher",
    request: { ttl: "90m" },
    outcome: refused(403, "ttl_exceeds_max", { max_ttl_seconds: 3600 }),
  },
  {
    name: "grants the environment's maximum ttl exactly",
    request: { ttl: "1h" },
    outcome: expect.objectContaining({ ttlMs: 60 * MINUTE }),
  },
  {
    name: "refuses a ttl above the scope's maximum when the environment's is higher",
    request: { scope: "staging-read", ttl: "31m" },
    outcome: refused(403, "ttl_exceeds_max", { max_ttl_seconds: 1800 }),
  },
];

describe("decideGrant", () => {
  for (const { name, request, agent: who, taskId, outcome } of rows) {
    it(name, () => {
      const asked: MintRequest = { scope: "staging-fix", task: { intent: "fix" }, ...request };
      expect(decide(asked, who ?? agent(), taskId)).toEqual(outcome);
    });
  }
});
