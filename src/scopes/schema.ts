// The shapes of environments.yaml, actions.yaml and scope files; types are inferred from these schemas.
import { z } from "zod";
import { describeValue } from "./describe-value.ts";
import { parseDuration } from "./duration.ts";

const show = describeValue;

/** ` (did you mean "x"?)` when one candidate is a likely typo of `word`, otherwise "". */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestDistance = Math.min(3, Math.floor(word.length / 3) + 1);
  for (const candidate of candidates) {
    const distance = editDistance(word.toLowerCase(), candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best === undefined ? "" : ` (did you mean ${JSON.stringify(best)}?)`;
}

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1);
      current.push(Math.min(previous[j]! + 1, current[j - 1]! + 1, substitution));
    }
    previous = current;
  }
  return previous[b.length]!;
}

/** A schema-level error that only words type mismatches (missing, wrong kind); other issues fall through to `scopeIssueMessage`. */
export const expecting = (what: string) => (issue: z.core.$ZodRawIssue) =>
  issue.code === "invalid_type" ? `expected ${what}, got ${show(issue.input)}` : undefined;

const TYPE_WORDS: Record<string, string> = {
  array: "a list",
  object: "a mapping",
  boolean: "true or false",
  number: "a number",
  string: "a string",
};

/**
 * Messages for the issues the schemas below do not word themselves (unknown keys, enum values, bounds).
 * Pass it to `safeParse(data, { error: scopeIssueMessage })`; schema-level messages take precedence.
 */
export const scopeIssueMessage: z.core.$ZodErrorMap = (issue) => {
  switch (issue.code) {
    case "invalid_type":
      return `expected ${TYPE_WORDS[issue.expected] ?? issue.expected}, got ${show(issue.input)}`;
    case "unrecognized_keys": {
      const def = issue.inst?._zod.def as { shape?: Record<string, unknown> } | undefined;
      const allowed = Object.keys(def?.shape ?? {});
      const unknown = issue.keys.map((key) => `${JSON.stringify(key)}${didYouMean(key, allowed)}`);
      const noun = issue.keys.length === 1 ? "unknown key" : "unknown keys";
      return `${noun} ${unknown.join(", ")}, expected one of: ${allowed.join(", ")}`;
    }
    case "invalid_value":
      return `expected ${issue.values.map((v) => show(v)).join(" or ")}, got ${show(issue.input)}`;
    case "invalid_key":
      return issue.issues[0]?.message ?? `unexpected key ${show(issue.input)}`;
    case "too_small":
      return issue.origin === "array"
        ? `expected at least ${issue.minimum} item(s), got ${Array.isArray(issue.input) ? issue.input.length : 0}`
        : `expected at least ${issue.minimum}, got ${show(issue.input)}`;
    case "too_big":
      return `expected at most ${issue.maximum}, got ${show(issue.input)}`;
    default:
      return undefined;
  }
};

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
  .regex(ACTION_NAME, {
    error: (issue) => `expected an action name like "volume:delete", got ${show(issue.input)}`,
  });

const nonEmptyString = (what: string) =>
  z
    .string({ error: (issue) => `expected ${what}, got ${show(issue.input)}` })
    .min(1, { error: `expected ${what}, got an empty string` });

const bool = z.boolean({ error: (issue) => `expected true or false, got ${show(issue.input)}` });
const wholeNumber = z
  .number({ error: (issue) => `expected a whole number ≥ 1, got ${show(issue.input)}` })
  .int()
  .min(1);

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
  .object(
    {
      match: z.union(
        [z.strictObject({ action: actionName }), z.strictObject({ destructive: z.literal(true) })],
        {
          error: (issue) =>
            `expected {action: "resource:verb"} or {destructive: true}, got ${show(issue.input)}`,
        },
      ),
      max: wholeNumber,
      per: durationMs,
      key: limitKey,
      on_exceed: z
        .enum(["deny", "revoke_task"], { error: (i) => `expected deny or revoke_task, got ${show(i.input)}` })
        .default("deny"),
    },
    { error: expecting("a limit like {match: {destructive: true}, max: 3, per: 1m, key: task}") },
  )
  .strict();
export type BlastRadiusLimit = z.infer<typeof blastRadiusLimit>;

const limitList = z.array(blastRadiusLimit, { error: expecting("a list of limits") });

export const approvalRule = z
  .object(
    {
      approvers: z
        .array(identifier, { error: expecting("a list of approver groups like [sre]") })
        .min(1, { error: "expected at least one approver group" }),
      quorum: wholeNumber.default(1),
      /** `webauthn`: only a passkey touch approves (a TOTP code is refused); `any` (default): either factor. */
      factor: z
        .enum(["any", "webauthn"], {
          error: (issue) => `expected factor any or webauthn, got ${show(issue.input)}`,
        })
        .optional(),
    },
    { error: expecting("an approval rule like {approvers: [sre], quorum: 1}") },
  )
  .strict();
export type ApprovalRule = z.infer<typeof approvalRule>;

export const environmentSchema = z
  .object(
    {
      name: identifier,
      protected: bool.default(false),
      max_ttl: durationMs,
      resources: z
        .array(resourceGlob, { error: expecting("a list of resource globs") })
        .min(1, { error: "expected at least one resource glob" }),
      markers: z
        .array(nonEmptyString("a marker string"), { error: expecting("a list of marker strings") })
        .default([]),
      limits: limitList.default([]),
      /** Vault paths (globs) whose credentials belong to this environment. */
      vault_paths: z
        .array(nonEmptyString('a Vault path glob like "database/creds/staging-*"'), {
          error: expecting("a list of Vault path globs"),
        })
        .default([]),
      /** Where approval events for this environment are posted. */
      webhook: z
        .url({ protocol: /^https?$/, error: (i) => `expected an http(s) URL, got ${show(i.input)}` })
        .optional(),
    },
    { error: expecting("an environment like {name: staging, max_ttl: 1h, resources: [...]}") },
  )
  .strict();
export type Environment = z.infer<typeof environmentSchema>;

export const environmentsFileSchema = z
  .object(
    {
      environments: z
        .array(environmentSchema, { error: expecting("a list of environments") })
        .min(1, { error: "expected at least one environment" }),
    },
    { error: expecting("a mapping with an `environments:` list") },
  )
  .strict();

export const actionSchema = z
  .object(
    {
      name: actionName,
      destructive: bool,
      grantable: bool.default(true),
      /** Marks actions that destroy a safety net (backups, snapshots): used by lint's data-and-backups check. */
      backup: bool.default(false),
      description: z.string({ error: expecting("a description") }).optional(),
    },
    { error: expecting('an action like {name: "volume:delete", destructive: true}') },
  )
  .strict();
export type Action = z.infer<typeof actionSchema>;

export const actionsFileSchema = z
  .object(
    {
      actions: z
        .array(actionSchema, { error: expecting("a list of actions") })
        .min(1, { error: "expected at least one action" }),
    },
    { error: expecting("a mapping with an `actions:` list") },
  )
  .strict();

export const scopeSchema = z
  .object(
    {
      description: nonEmptyString("a description of what the scope is for"),
      environment: identifier,
      agents: z
        .array(nonEmptyString('an agent id glob like "ci-*"'), {
          error: expecting('a list of agent id globs like ["*"]'),
        })
        .min(1, { error: "expected at least one agent glob" }),
      actions: z
        .array(actionName, { error: expecting('a list of action names like ["volume:read"]') })
        .min(1, { error: "expected at least one action" }),
      resources: z
        .array(resourceGlob, { error: expecting("a list of resource globs") })
        .min(1, { error: "expected at least one resource glob" }),
      audiences: z
        .array(nonEmptyString("an audience"), { error: expecting("a list of audiences") })
        .default([]),
      ttl: z
        .object(
          { default: durationMs, max: durationMs },
          { error: expecting("a mapping like {default: 15m, max: 1h}") },
        )
        .strict(),
      limits: limitList.default([]),
      approval: z
        .object(
          {
            issue: approvalRule.optional(),
            destructive: approvalRule.optional(),
            actions: z
              .record(actionName, approvalRule, {
                error: expecting("a mapping of action name to approval rule"),
              })
              .optional(),
          },
          { error: expecting("a mapping with issue, destructive or actions") },
        )
        .strict()
        .default({}),
      credentials: z
        .object(
          {
            vault: z
              .object(
                { path: nonEmptyString("a Vault path"), ttl: durationMs.optional() },
                { error: expecting('a mapping like {path: "database/creds/staging-readwrite", ttl: 15m}') },
              )
              .strict(),
          },
          { error: expecting("a mapping with a `vault:` entry") },
        )
        .strict()
        .optional(),
    },
    { error: expecting("a mapping with description, environment, agents, actions, resources and ttl") },
  )
  .strict();
export type ScopeFile = z.infer<typeof scopeSchema>;
export type Scope = ScopeFile & { id: string; file: string };

/** One problem found while loading or linting; printed as `file: path: message`. */
export interface ScopeProblem {
  file: string;
  path: string;
  message: string;
}
