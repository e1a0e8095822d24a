// The environment a command run by `leash exec` gets: the parent's, minus long-lived secrets, plus the task's own.
import { isLongLivedSecretVariable } from "../guard/secrets.ts";

/** leash's own long-lived keys never reach the command, whatever the allow-list says. */
const LEASH_KEYS = [
  "LEASH_AGENT_KEY",
  "LEASH_HUMAN_KEY",
  "VAULT_TOKEN",
  "VAULT_SECRET_ID",
  "LEASH_WEBHOOK_SECRET",
];

export interface TaskGrant {
  url: string;
  token: string;
  task: string;
  /** A delegated grant's own sub-task (token exchange): the task stays the parent's. */
  subTask?: string;
  environment: string;
  /** The task's intent, for the guard in the child (hooks read LEASH_INTENT when they cannot read the token). */
  intent?: string;
  credentials?: { username: string; password: string; lease_id: string; expires_at: string } | null;
}

export interface ScrubbedEnvironment {
  env: Record<string, string>;
  removed: string[];
}

export function childEnvironment(
  parent: NodeJS.ProcessEnv,
  grant: TaskGrant,
  keep: readonly string[] = [],
): ScrubbedEnvironment {
  const env: Record<string, string> = {};
  const removed: string[] = [];
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined) continue;
    const secret =
      LEASH_KEYS.includes(name) || (!keep.includes(name) && isLongLivedSecretVariable(name, value));
    if (secret) removed.push(name);
    else env[name] = value;
  }
  Object.assign(env, {
    LEASH_URL: grant.url,
    LEASH_TOKEN: grant.token,
    LEASH_TASK: grant.task,
    LEASH_ENV: grant.environment,
  });
  if (grant.subTask !== undefined) env.LEASH_SUB_TASK = grant.subTask;
  else delete env.LEASH_SUB_TASK;
  if (grant.intent !== undefined) env.LEASH_INTENT = grant.intent;
  if (grant.credentials) {
    Object.assign(env, {
      LEASH_DB_USERNAME: grant.credentials.username,
      LEASH_DB_PASSWORD: grant.credentials.password,
      LEASH_DB_LEASE_ID: grant.credentials.lease_id,
      LEASH_DB_EXPIRES_AT: grant.credentials.expires_at,
    });
  }
  return { env, removed: removed.sort() };
}
