// Live tasks, for security: every task with a token still alive, what it may touch, how much of each blast-radius
// budget it has spent, what it is waiting on, and whether a revocation or a lock has already stopped it.

import type { BrokerContext } from "../context/broker-context.ts";
import { budgetCounters } from "../enforce/authorize.ts";
import { effectiveStatus } from "../store/approval-record.ts";
import type { LiveTask } from "../store/store.ts";
import type { TaskTokenClaims } from "../tokens/claims.ts";

/** At most this many tasks are listed (the ones whose tokens live longest first); `truncated` says when there are more. */
export const MAX_LIVE_TASKS = 500;

/** Puts a freshly minted token on the live-task registry (mint and token exchange both call it). */
export function recordLiveToken(context: BrokerContext, claims: TaskTokenClaims): Promise<void> {
  return context.store.recordTaskToken({
    task: claims.task,
    agent: claims.client_id,
    intent: claims.intent,
    scope: claims.scope_id,
    env: claims.env,
    jti: claims.jti,
    issuedAt: claims.iat * 1000,
    expiresAt: claims.exp * 1000,
  });
}

export type TaskState = "active" | "revoked" | "locked";

export interface BudgetView {
  /** `scope:<id>` or `env:<name>`: whose limit it is. */
  owner: string;
  /** What the limit counts: one action, or every destructive action. */
  match: string;
  key: "task" | "agent" | "scope" | "environment";
  max: number;
  per_ms: number;
  on_exceed: "deny" | "revoke_task";
  used: number;
  remaining: number;
}

export interface LiveTaskView {
  task: string;
  agent: string;
  intent: string;
  state: TaskState;
  /** The lock that stops it, when `locked`. */
  lock: { id: string; kind: string; value: string; reason: string } | null;
  scopes: string[];
  environments: string[];
  tokens_alive: number;
  tokens: Array<{ jti: string; scope: string; environment: string; issued_at: string; expires_at: string }>;
  expires_at: string;
  budgets: BudgetView[];
  pending_approvals: Array<{
    id: string;
    action: string | null;
    resource: string | null;
    expires_at: string;
  }>;
}

const unique = (values: string[]) => [...new Set(values)].sort();

async function viewOf(
  context: BrokerContext,
  task: LiveTask,
  pending: Map<string, LiveTaskView["pending_approvals"]>,
  nowMs: number,
): Promise<LiveTaskView> {
  const set = context.scopes.current();
  const pairs = unique(task.tokens.map((token) => `${token.scope}\n${token.env}`)).map((pair) => {
    const [scope, env] = pair.split("\n") as [string, string];
    return { scope, env };
  });
  const environments = unique(task.tokens.map((token) => token.env));
  const [revoked, lock, budgets] = await Promise.all([
    Promise.all(environments.map((env) => context.store.isTaskRevoked(env, task.task))).then((all) =>
      all.some(Boolean),
    ),
    context.store.lockOn([
      { kind: "agent", value: task.agent },
      ...unique(task.tokens.map((token) => token.scope)).map((value) => ({ kind: "scope" as const, value })),
      ...environments.map((value) => ({ kind: "environment" as const, value })),
    ]),
    Promise.all(
      pairs.map(async ({ scope: scopeId, env }) => {
        const scope = set.scopes.get(scopeId);
        const environment = set.environments.get(env);
        // A scope deleted or moved since: its tokens are refused at authorize, nothing is counted any more.
        if (!scope || !environment || scope.environment !== env) return [];
        const counters = budgetCounters(scope, environment, {
          client_id: task.agent,
          task: task.task,
          scope_id: scopeId,
          env,
        });
        const used = await context.store.limitUsage(env, counters, nowMs);
        return counters.map(
          (counter, index): BudgetView => ({
            owner: counter.owner,
            match: "action" in counter.limit.match ? counter.limit.match.action : "destructive",
            key: counter.limit.key,
            max: counter.max,
            per_ms: counter.windowMs,
            on_exceed: counter.onExceed,
            used: used[index]!,
            remaining: Math.max(0, counter.max - used[index]!),
          }),
        );
      }),
    ).then((all) => all.flat()),
  ]);
  const lastExpiry = Math.max(...task.tokens.map((token) => token.expiresAt));
  return {
    task: task.task,
    agent: task.agent,
    intent: task.intent,
    state: revoked ? "revoked" : lock ? "locked" : "active",
    lock: lock
      ? { id: lock.id, kind: lock.target.kind, value: lock.target.value, reason: lock.reason }
      : null,
    scopes: unique(task.tokens.map((token) => token.scope)),
    environments,
    tokens_alive: task.tokens.length,
    tokens: task.tokens.map((token) => ({
      jti: token.jti,
      scope: token.scope,
      environment: token.env,
      issued_at: new Date(token.issuedAt).toISOString(),
      expires_at: new Date(token.expiresAt).toISOString(),
    })),
    expires_at: new Date(lastExpiry).toISOString(),
    budgets,
    pending_approvals: pending.get(task.task) ?? [],
  };
}

/** Tasks with a token alive now; `active`: only those neither revoked nor stopped by a lock. */
export async function listLiveTasks(
  context: BrokerContext,
  options: { active: boolean },
): Promise<{ tasks: LiveTaskView[]; truncated: boolean }> {
  const nowMs = context.clock.now();
  const [live, pendingIds] = await Promise.all([
    context.store.liveTasks(nowMs, MAX_LIVE_TASKS + 1),
    context.store.approvals.pendingIds(),
  ]);
  const pending = new Map<string, LiveTaskView["pending_approvals"]>();
  for (const approval of await Promise.all(pendingIds.map((id) => context.store.approvals.get(id)))) {
    if (!approval || effectiveStatus(approval, nowMs) !== "pending") continue;
    const list = pending.get(approval.task) ?? [];
    list.push({
      id: approval.id,
      action: approval.kind === "call" ? approval.action : null,
      resource: approval.kind === "call" ? approval.resource : null,
      expires_at: new Date(approval.expiresAt).toISOString(),
    });
    pending.set(approval.task, list);
  }
  const views = await Promise.all(
    live.slice(0, MAX_LIVE_TASKS).map((task) => viewOf(context, task, pending, nowMs)),
  );
  return {
    tasks: options.active ? views.filter((view) => view.state === "active") : views,
    truncated: live.length > MAX_LIVE_TASKS,
  };
}
