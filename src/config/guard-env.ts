// Where the guard (`leash hook …` and `leash guard check`) reads its variables, each in this one place. The schema
// (and zod) load only when LEASH_HOOK_WAIT_SECONDS is set, the one variable with a value to check: an agent runs the
// hook before every command, and pays for what it loads.
import type { GuardSettings } from "./guard-env-schema.ts";

export type { GuardSettings };

/** A string variable as the schema reads it: unset, empty and blank are the same. */
const text = (value: string | undefined) => (value?.trim() ? value : undefined);

/** The guard's settings (see guard-env-schema.ts for each variable); a bad LEASH_HOOK_WAIT_SECONDS is a ConfigError. */
export async function guardSettings(env: NodeJS.ProcessEnv = process.env): Promise<GuardSettings> {
  if (env.LEASH_HOOK_WAIT_SECONDS?.trim()) {
    const { parseGuardEnv } = await import("./guard-env-schema.ts");
    return parseGuardEnv(env);
  }
  // The schema's answer when nothing needs checking (test/config/guard-env.test.ts holds the two together).
  return {
    env: text(env.LEASH_ENV),
    intent: text(env.LEASH_INTENT),
    task: text(env.LEASH_TASK),
    token: text(env.LEASH_TOKEN),
    url: text(env.LEASH_URL),
    scopesDir: text(env.LEASH_SCOPES_DIR),
    hookWaitSeconds: 0,
  };
}
