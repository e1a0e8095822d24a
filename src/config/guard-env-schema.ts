// The variables the guard reads (`leash hook …` and `leash guard check`), with their defaults; the model's
// LEASH_GUARD_MODEL_* have their own reader. A bad value is an error naming the variable: a hook that quietly stopped
// waiting for a human would hand the decision back to the agent's UI without anyone choosing that.
import { z } from "zod";
import { parseEnv, unsetWhenEmpty } from "./env-error.ts";

const WAIT_EXPECTED = "expected a whole number of seconds from 0 to 3600";

/** A string variable; unset, empty and blank are the same. */
const text = z.preprocess(unsetWhenEmpty, z.string().optional());

const guardEnvSchema = z.object({
  /** The task's environment when there is no task token; `--env` overrides it. */
  LEASH_ENV: text,
  /** The task's intent when there is no task token; `--intent` overrides it. */
  LEASH_INTENT: text,
  /** The task's id when there is no task token. */
  LEASH_TASK: text,
  /** The task token: its claims give the task's environment and intent; an approval is opened with it. */
  LEASH_TOKEN: text,
  /** The broker: the task token is verified against its JWKS, and an approval is opened on it. */
  LEASH_URL: text,
  /** The directory with environments.yaml; unset: ./scopes when it has one. `--scopes-dir` overrides it. */
  LEASH_SCOPES_DIR: text,
  /**
   * How long a hook's "ask" waits for a human's approval through leash, in seconds (0 to 3600; default 0: the
   * agent's own UI asks). `--wait-approval` overrides it.
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
});

export interface GuardSettings {
  env?: string;
  intent?: string;
  task?: string;
  token?: string;
  url?: string;
  scopesDir?: string;
  hookWaitSeconds: number;
}

/** The guard's settings; a bad LEASH_HOOK_WAIT_SECONDS is a ConfigError. */
export function parseGuardEnv(env: NodeJS.ProcessEnv): GuardSettings {
  const parsed = parseEnv(guardEnvSchema, env);
  return {
    env: parsed.LEASH_ENV,
    intent: parsed.LEASH_INTENT,
    task: parsed.LEASH_TASK,
    token: parsed.LEASH_TOKEN,
    url: parsed.LEASH_URL,
    scopesDir: parsed.LEASH_SCOPES_DIR,
    hookWaitSeconds: parsed.LEASH_HOOK_WAIT_SECONDS,
  };
}
