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
