// Humans made the way an operator makes them: an admin creates one, the human enrols a TOTP device and confirms it.
import { currentTotp } from "../../src/principals/totp.ts";
import { api } from "./broker.ts";

export interface EnrolledHuman {
  id: string;
  apiKey: string;
  totpSecret: string;
}

/**
 * Creates a human as `adminKey`, then, as the human, redeems the enrolment token and confirms the TOTP device with the
 * code of `nowMs`.
 */
export async function createEnrolledHuman(
  url: string,
  adminKey: string,
  id: string,
  roles: string[],
  nowMs = Date.now(),
): Promise<EnrolledHuman> {
  const created = await api(url, "POST", "/v1/humans", { key: adminKey, body: { id, roles } });
  if (created.status !== 201)
    throw new Error(`creating ${id}: ${created.status} ${JSON.stringify(created.body)}`);
  const apiKey = created.body.api_key as string;
  const enrolled = await api(url, "POST", "/v1/humans/me/totp/enroll", {
    key: apiKey,
    body: { token: created.body.enrolment.token },
  });
  if (enrolled.status !== 200) throw new Error(`enrolling ${id}: ${JSON.stringify(enrolled.body)}`);
  const totpSecret = enrolled.body.totp.secret as string;
  const confirmed = await api(url, "POST", "/v1/humans/me/totp/confirm", {
    key: apiKey,
    body: { totp: currentTotp(totpSecret, nowMs) },
  });
  if (confirmed.status !== 200) throw new Error(`confirming ${id}: ${JSON.stringify(confirmed.body)}`);
  return { id, apiKey, totpSecret };
}

/**
 * Creates an agent (every scope) owned by a second admin, made by `adminKey`, so that humans `adminKey` creates are not
 * in the agent owner's chain of creators and may approve its calls. Returns the agent's API key.
 */
export async function createIndependentAgent(
  url: string,
  adminKey: string,
  agentId: string,
): Promise<string> {
  const owner = await api(url, "POST", "/v1/humans", {
    key: adminKey,
    body: { id: "ops-admin", roles: ["admin"] },
  });
  if (owner.status !== 201)
    throw new Error(`creating ops-admin: ${owner.status} ${JSON.stringify(owner.body)}`);
  const agent = await api(url, "POST", "/v1/agents", {
    key: owner.body.api_key,
    body: { id: agentId, scopes: ["*"] },
  });
  if (agent.status !== 201)
    throw new Error(`creating ${agentId}: ${agent.status} ${JSON.stringify(agent.body)}`);
  return agent.body.api_key as string;
}
