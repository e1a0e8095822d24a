// The variables `leash hook …` reads for itself, with their defaults. The task's LEASH_ENV, LEASH_INTENT and the
// model's LEASH_GUARD_MODEL_* have their own readers. A bad value is an error naming the variable: a hook that
// quietly stopped waiting for a human would hand the decision back to the agent's UI without anyone choosing that.
import { z } from "zod";
import { parseEnv, unsetWhenEmpty } from "./env-error.ts";

const WAIT_EXPECTED = "expected a whole number of seconds from 0 to 3600";

const hookEnvSchema = z.object({
  /**
   * How long an "ask" waits for a human's approval through leash, in seconds (0 to 3600; default 0: the agent's own
   * UI asks). `--wait-approval` overrides it.
   */
  LEASH_HOOK_WAIT_SECONDS: z.preprocess(
    unsetWhenEmpty,
    z.coerce
      .number({ error: WAIT_EXPECTED })
      .int({ error: WAIT_EXPECTED })
      .min(0, { error: WAIT_EXPECTED })
      .max(3600, { error: WAIT_EXPECTED })
      .default(0),
  ),
  /** The broker an approval is opened on; unset: the hook opens none. */
  LEASH_URL: z.string().optional(),
  /** The task token an approval is opened with; unset: the hook opens none. */
  LEASH_TOKEN: z.string().optional(),
  /** The directory with environments.yaml; unset: ./scopes when it has one. `--scopes-dir` overrides it. */
  LEASH_SCOPES_DIR: z.string().optional(),
});

export interface HookSettings {
  waitSeconds: number;
  url?: string;
  token?: string;
  scopesDir?: string;
}

/** The hook's settings; a bad LEASH_HOOK_WAIT_SECONDS is a ConfigError. */
export function parseHookEnv(env: NodeJS.ProcessEnv): HookSettings {
  const parsed = parseEnv(hookEnvSchema, env);
  return {
    waitSeconds: parsed.LEASH_HOOK_WAIT_SECONDS,
    url: parsed.LEASH_URL,
    token: parsed.LEASH_TOKEN,
    scopesDir: parsed.LEASH_SCOPES_DIR,
  };
}
