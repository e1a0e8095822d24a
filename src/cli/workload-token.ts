// Where `leash token` gets a workload's OIDC token when it proves where it runs instead of holding an agent key.
import type { CliEnv } from "../config/cli-env.ts";

export const OIDC_PROVIDERS = ["github-actions"] as const;
export type OidcProvider = (typeof OIDC_PROVIDERS)[number];

/**
 * Asks GitHub Actions for an OIDC token for `audience`, as GitHub's own actions do: the job needs
 * `permissions: id-token: write`, which sets ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN.
 */
export async function requestGithubActionsToken(
  audience: string,
  env: Pick<CliEnv, "ACTIONS_ID_TOKEN_REQUEST_URL" | "ACTIONS_ID_TOKEN_REQUEST_TOKEN">,
): Promise<string> {
  const url = env.ACTIONS_ID_TOKEN_REQUEST_URL;
  const bearer = env.ACTIONS_ID_TOKEN_REQUEST_TOKEN;
  if (!url || !bearer) {
    throw new Error(
      "--oidc github-actions: ACTIONS_ID_TOKEN_REQUEST_URL and ACTIONS_ID_TOKEN_REQUEST_TOKEN are not set (give the job `permissions: id-token: write`)",
    );
  }
  const request = new URL(url);
  request.searchParams.set("audience", audience);
  const response = await fetch(request, {
    headers: { authorization: `bearer ${bearer}`, accept: "application/json" },
  });
  if (!response.ok) throw new Error(`--oidc github-actions: GitHub answered HTTP ${response.status}`);
  const body = (await response.json().catch(() => null)) as { value?: unknown } | null;
  if (typeof body?.value !== "string" || !body.value) {
    throw new Error("--oidc github-actions: GitHub's answer holds no token");
  }
  return body.value;
}
