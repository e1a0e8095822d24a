// The shapes of environments.yaml, actions.yaml and scope files; types are inferred from these schemas.
import { z } from "zod";
import { parseDuration } from "./duration.ts";

const show = (value: unknown) => JSON.stringify(value) ?? String(value);

/** A duration like "15m", parsed to milliseconds. */
export const durationMs = z.unknown().transform((value, ctx) => {
  const ms = typeof value === "string" ? parseDuration(value) : null;
  if (ms === null) {
    ctx.addIssue({ code: "custom", message: `expected a duration like "1m", got ${show(value)}` });
    return z.NEVER;
  }
  return ms;
});

const ACTION_NAME = /^[a-z][a-z0-9-]*:[a-z][a-z0-9-]*$/;
export const actionName = z
  .string({ error: (issue) => `expected an action name like "volume:delete", got ${show(issue.input)}` })
  .regex(ACTION_NAME, { error: (issue) => `expected an action name like "volume:delete", got ${show(issue.input)}` });

const nonEmptyString = (what: string) =>
  z
    .string({ error: (issue) => `expected ${what}, got ${show(issue.input)}` })
    .min(1, { error: `expected ${what}, got an empty string` });

export const resourceGlob = nonEmptyString('a resource glob like "railway:prj_1/env/staging/**"');
export const identifier = z
  .string({ error: (issue) => `expected a name of letters, digits, "-" or "_", got ${show(issue.input)}` })
  .regex(/^[a-z0-9][a-z0-9_-]{0,62}$/i, {
    error: (issue) => `expected a name of letters, digits, "-" or "_", got ${show(issue.input)}`,
  });

export const limitKey = z.enum(["task", "agent", "scope", "environment"], {
  error: (issue) => `expected one of task, agent, scope, environment, got ${show(issue.input)}`,
});

export const blastRadiusLimit = z
  .object({
    match: z
      .union([
        z.strictObject({ action: actionName }),
        z.strictObject({ destructive: z.literal(true) }),
      ], { error: 'expected {action: "resource:verb"} or {destructive: true}' }),
    max: z.number({ error: (i) => `expected a whole number ≥ 1, got ${show(i.input)}` }).int().min(1),
    per: durationMs,
    key: limitKey,
    on_exceed: z
      .enum(["deny", "revoke_task"], { error: (i) => `expected deny or revoke_task, got ${show(i.input)}` })
      .default("deny"),
  })
  .strict();
export type BlastRadiusLimit = z.infer<typeof blastRadiusLimit>;

export const approvalRule = z
  .object({
    approvers: z.array(identifier).min(1, { error: "expected at least one approver group" }),
    quorum: z.number({ error: (i) => `expected a whole number ≥ 1, got ${show(i.input)}` }).int().min(1).default(1),
  })
  .strict();
export type ApprovalRule = z.infer<typeof approvalRule>;

export const environmentSchema = z
  .object({
    name: identifier,
    protected: z.boolean().default(false),
    max_ttl: durationMs,
    resources: z.array(resourceGlob).min(1, { error: "expected at least one resource glob" }),
    markers: z.array(nonEmptyString("a marker string")).default([]),
    limits: z.array(blastRadiusLimit).default([]),
    /** Vault paths (globs) whose credentials belong to this environment. */
    vault_paths: z.array(nonEmptyString('a Vault path glob like "database/creds/staging-*"')).default([]),
    /** Where approval events for this environment are posted. */
    webhook: z.url({ error: (i) => `expected an http(s) URL, got ${show(i.input)}` }).optional(),
  })
  .strict();
export type Environment = z.infer<typeof environmentSchema>;

export const environmentsFileSchema = z.object({ environments: z.array(environmentSchema).min(1) }).strict();

export const actionSchema = z
  .object({
    name: actionName,
    destructive: z.boolean({ error: (i) => `expected true or false, got ${show(i.input)}` }),
    grantable: z.boolean().default(true),
    /** Marks actions that destroy a safety net (backups, snapshots): used by lint's data-and-backups check. */
    backup: z.boolean().default(false),
    description: z.string().optional(),
  })
  .strict();
export type Action = z.infer<typeof actionSchema>;

export const actionsFileSchema = z.object({ actions: z.array(actionSchema).min(1) }).strict();

export const scopeSchema = z
  .object({
    description: nonEmptyString("a description of what the scope is for"),
    environment: identifier,
    agents: z.array(nonEmptyString('an agent id glob like "ci-*"')).min(1, { error: "expected at least one agent glob" }),
    actions: z.array(actionName).min(1, { error: "expected at least one action" }),
    resources: z.array(resourceGlob).min(1, { error: "expected at least one resource glob" }),
    audiences: z.array(nonEmptyString("an audience")).default([]),
    ttl: z.object({ default: durationMs, max: durationMs }).strict(),
    limits: z.array(blastRadiusLimit).default([]),
    approval: z
      .object({
        issue: approvalRule.optional(),
        destructive: approvalRule.optional(),
        actions: z.record(actionName, approvalRule).optional(),
      })
      .strict()
      .default({}),
    credentials: z
      .object({ vault: z.object({ path: nonEmptyString("a Vault path"), ttl: durationMs.optional() }).strict() })
      .strict()
      .optional(),
  })
  .strict();
export type ScopeFile = z.infer<typeof scopeSchema>;
export type Scope = ScopeFile & { id: string; file: string };

/** Everything loaded from a scopes directory, validated and cross-checked. */
export interface ScopeSet {
  environments: Map<string, Environment>;
  actions: Map<string, Action>;
  scopes: Map<string, Scope>;
  /** SHA-256 over the files' contents: logged so operators can tell which set each process runs. */
  hash: string;
}

/** One problem found while loading or linting; printed as `file: path: message`. */
export interface ScopeProblem {
  file: string;
  path: string;
  message: string;
}
