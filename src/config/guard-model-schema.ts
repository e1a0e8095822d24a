// The LEASH_GUARD_MODEL_* variables with their defaults: the guard's optional model, an OpenAI-compatible chat
// endpoint. A bad value is an error naming the variable, never a silent default: a hook that quietly ran without
// its model, or with another timeout, would decide differently than its owner meant.
import { z } from "zod";
import { parseEnv, unsetWhenEmpty } from "./env-error.ts";
import { optionalHttpUrl } from "./http-url-variable.ts";

const guardModelEnvSchema = z.object({
  /** Base URL (`http://host:8080`, `…/v1`) or the full `/v1/chat/completions` URL; unset: no model is asked. */
  LEASH_GUARD_MODEL_URL: optionalHttpUrl("expected the model's http(s) URL, like http://127.0.0.1:8080/v1"),
  /** The `model` field of the request; unset: none is sent and the server picks. */
  LEASH_GUARD_MODEL: z.preprocess(unsetWhenEmpty, z.string().trim().optional()),
  /** `1`/`true`: ask the model about every command; `0`/`false` (default): only those the rules are unsure of. */
  LEASH_GUARD_MODEL_ALL: z.preprocess(
    unsetWhenEmpty,
    z
      .enum(["1", "true", "0", "false"], { error: "expected 1, true, 0 or false" })
      .transform((value) => value === "1" || value === "true")
      .default(false),
  ),
  /** How long one question may take, in milliseconds (default 3000); past it an unsure command is asked about. */
  LEASH_GUARD_MODEL_TIMEOUT_MS: z.preprocess(
    unsetWhenEmpty,
    z.coerce
      .number({ error: "expected a whole number of milliseconds from 1 to 600000" })
      .int({ error: "expected a whole number of milliseconds from 1 to 600000" })
      .min(1, { error: "expected a whole number of milliseconds from 1 to 600000" })
      .max(600_000, { error: "expected a whole number of milliseconds from 1 to 600000" })
      .default(3000),
  ),
  /** Sent as `Authorization: Bearer …`; unset: no Authorization header. */
  LEASH_GUARD_MODEL_API_KEY: z.preprocess(unsetWhenEmpty, z.string().optional()),
});

export interface GuardModelSettings {
  url: string;
  model?: string;
  all: boolean;
  timeoutMs: number;
  apiKey?: string;
}

/** The model settings, or null when LEASH_GUARD_MODEL_URL is unset; a bad LEASH_GUARD_MODEL_* is a ConfigError. */
export function parseGuardModelEnv(env: NodeJS.ProcessEnv): GuardModelSettings | null {
  const parsed = parseEnv(guardModelEnvSchema, env);
  if (parsed.LEASH_GUARD_MODEL_URL === undefined) return null;
  return {
    url: parsed.LEASH_GUARD_MODEL_URL,
    ...(parsed.LEASH_GUARD_MODEL ? { model: parsed.LEASH_GUARD_MODEL } : {}),
    all: parsed.LEASH_GUARD_MODEL_ALL,
    timeoutMs: parsed.LEASH_GUARD_MODEL_TIMEOUT_MS,
    ...(parsed.LEASH_GUARD_MODEL_API_KEY ? { apiKey: parsed.LEASH_GUARD_MODEL_API_KEY } : {}),
  };
}
