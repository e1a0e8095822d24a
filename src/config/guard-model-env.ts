// Where a hook or `leash guard` reads LEASH_GUARD_MODEL_*: the schema (and zod) load only when one is set, since
// most hooks run without a model and every hook pays for what it loads.
import type { GuardModelSettings } from "./guard-model-schema.ts";

export type { GuardModelSettings };

/** The model settings, or null when no model is configured; a bad LEASH_GUARD_MODEL_* is a ConfigError. */
export async function guardModelSettings(
  env: NodeJS.ProcessEnv = process.env,
): Promise<GuardModelSettings | null> {
  const set = Object.keys(env).some((name) => name.startsWith("LEASH_GUARD_MODEL") && env[name]?.trim());
  if (!set) return null;
  const { parseGuardModelEnv } = await import("./guard-model-schema.ts");
  return parseGuardModelEnv(env);
}
