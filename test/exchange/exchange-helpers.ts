// Form-encoded token-exchange requests, as an OAuth client sends them (RFC 8693 §2.1).
import type { ApiResponse } from "../helpers/broker.ts";

export const GRANT = "urn:ietf:params:oauth:grant-type:token-exchange";
export const JWT = "urn:ietf:params:oauth:token-type:jwt";

/** POSTs the parameters form-encoded; grant_type and subject_token_type are filled in unless omitted or given. */
export async function exchangeForm(
  url: string,
  path: string,
  params: Record<string, string | string[]>,
  options: { omitGrantType?: boolean; omitSubjectType?: boolean } = {},
  // biome-ignore lint/suspicious/noExplicitAny: tests read response bodies loosely and assert on them
): Promise<ApiResponse<Record<string, any>>> {
  const form = new URLSearchParams();
  if (!options.omitGrantType && params.grant_type === undefined) form.append("grant_type", GRANT);
  if (!options.omitSubjectType && params.subject_token_type === undefined)
    form.append("subject_token_type", JWT);
  for (const [name, value] of Object.entries(params)) {
    for (const one of Array.isArray(value) ? value : [value]) form.append(name, one);
  }
  const response = await fetch(new URL(path, url), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: form.toString(),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? JSON.parse(text) : null };
}
