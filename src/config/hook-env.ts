// Where `leash hook …` reads its own variables. The schema (and zod) load only when LEASH_HOOK_WAIT_SECONDS is set,
// the one variable with a value to check: an agent runs the hook before every command, and pays for what it loads.
import type { HookSettings } from "./hook-env-schema.ts";

export type { HookSettings };

/** The hook's settings (see hook-env-schema.ts for each variable); a bad LEASH_HOOK_WAIT_SECONDS is a ConfigError. */
export async function hookSettings(env: NodeJS.ProcessEnv = process.env): Promise<HookSettings> {
  if (env.LEASH_HOOK_WAIT_SECONDS?.trim()) {
    const { parseHookEnv } = await import("./hook-env-schema.ts");
    return parseHookEnv(env);
  }
  // The schema's answer when nothing needs checking: the strings as they are, no wait.
  return { waitSeconds: 0, url: env.LEASH_URL, token: env.LEASH_TOKEN, scopesDir: env.LEASH_SCOPES_DIR };
}
