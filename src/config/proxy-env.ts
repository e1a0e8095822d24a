// The variables `leash proxy` and the MCP gateway (`leash mcp`, `leash mcp stdio`) read, with their defaults.
// Upstream credentials are not here: the config names the variable each one comes from (`credential.env`), and
// Vault-held ones use VAULT_* (vault-config.ts); both are read by name from the same environment at start.
import { z } from "zod";
import { parseEnv, unsetWhenEmpty } from "./env-error.ts";

const BROKER_URL_EXPECTED = "required, expected the broker's http(s) URL, like http://127.0.0.1:8787";

const proxyEnvSchema = z.object({
  /** The broker every call is authorized by; required, no default. */
  LEASH_URL: z.preprocess(
    unsetWhenEmpty,
    z
      .string({ error: BROKER_URL_EXPECTED })
      .trim()
      .pipe(z.url({ protocol: /^https?$/, error: BROKER_URL_EXPECTED })),
  ),
  /** `leash mcp stdio` only: the task token the calls carry; unset: the gateway refuses to start. */
  LEASH_TOKEN: z.preprocess(unsetWhenEmpty, z.string().optional()),
});

export interface ProxySettings {
  brokerUrl: string;
  token?: string;
}

/** The proxy's or gateway's settings; a missing or bad LEASH_URL is a ConfigError. */
export function proxyEnv(env: NodeJS.ProcessEnv = process.env): ProxySettings {
  const parsed = parseEnv(proxyEnvSchema, env);
  return { brokerUrl: parsed.LEASH_URL, ...(parsed.LEASH_TOKEN ? { token: parsed.LEASH_TOKEN } : {}) };
}
