// The variables the `leash` client commands read (token, exchange, approvals, agents, audit, revoke, verify, scopes),
// with their defaults. The hook, the proxy and MCP gateway, the guard's model and the server have their own schemas.
import { z } from "zod";
import { parseEnv, unsetWhenEmpty } from "./env-error.ts";
import { optionalHttpUrl } from "./http-url-variable.ts";

const optionalSecret = z.preprocess(unsetWhenEmpty, z.string().optional());

const cliEnvSchema = z.object({
  /** The broker's URL; unset: commands that call the broker stop and say so. */
  LEASH_URL: optionalHttpUrl("expected the broker's http(s) URL, like http://127.0.0.1:8787"),
  /** The task token `leash token exchange` narrows; unset: it stops and says so. */
  LEASH_TOKEN: optionalSecret,
  /** The agent key `leash token` mints with, unless a workload's OIDC token is given. */
  LEASH_AGENT_KEY: optionalSecret,
  /** The human key of the approver and admin commands (approvals, agents, humans, audit, revoke, locks). */
  LEASH_HUMAN_KEY: optionalSecret,
  /** The scopes directory; unset: ./scopes. A command's own argument or flag overrides it. */
  LEASH_SCOPES_DIR: z.string().optional(),
  /** Set by GitHub Actions for a job with `permissions: id-token: write`; what `leash token --oidc` asks. */
  ACTIONS_ID_TOKEN_REQUEST_URL: optionalSecret,
  ACTIONS_ID_TOKEN_REQUEST_TOKEN: optionalSecret,
});

export type CliEnv = z.infer<typeof cliEnvSchema>;

/** The client commands' variables; a bad value (LEASH_URL that is no http(s) URL) is a ConfigError. */
export function cliEnv(env: NodeJS.ProcessEnv = process.env): CliEnv {
  return parseEnv(cliEnvSchema, env);
}
