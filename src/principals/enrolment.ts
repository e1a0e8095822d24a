// TOTP enrolment by the human alone: creating a human yields a one-time enrolment token (never a TOTP secret); the
// human redeems it with their own key and only then is a secret made, shown once, to them.
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";
import { humanActor, recordPrincipalChange } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError } from "../errors/leash-error.ts";
import type { AuditOrigin } from "../store/audit-record.ts";
import type { Principal } from "../store/store.ts";
import { generateTotpSecret, otpauthUri } from "./totp.ts";

/** An admin hands the token over; a day covers time zones without leaving it lying around for long. */
export const ENROLMENT_TTL_MS = 24 * 60 * 60_000;
const TOKEN_SHAPE = /^lse_[A-Za-z0-9_-]{43}$/;

const hashToken = (token: string) => createHash("sha256").update(token).digest("hex");

export interface NewEnrolment {
  token: string;
  record: NonNullable<Principal["enrolment"]>;
}

export function newEnrolment(nowMs: number): NewEnrolment {
  const token = `lse_${randomBytes(32).toString("base64url")}`;
  return { token, record: { tokenHash: hashToken(token), expiresAt: nowMs + ENROLMENT_TTL_MS } };
}

function matches(expectedHash: string, token: string): boolean {
  if (!TOKEN_SHAPE.test(token)) return false;
  const left = Buffer.from(expectedHash, "hex");
  const right = Buffer.from(hashToken(token), "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}

/**
 * Redeems `token` for `human` (authenticated with their own key): once, before it expires. Makes the TOTP secret
 * now, unconfirmed until a first code confirms it. 403 `invalid_enrolment_token` for a wrong, spent or foreign token,
 * `enrolment_expired` past its time; 409 `enrolment_used` when it was redeemed already (perhaps by someone else).
 */
export async function redeemEnrolment(
  context: BrokerContext,
  human: Principal,
  token: string,
  origin: AuditOrigin,
): Promise<{ secret: string; otpauthUri: string }> {
  const enrolment = human.enrolment;
  if (!enrolment || !matches(enrolment.tokenHash, token)) {
    throw new LeashError(
      "invalid_enrolment_token",
      `this is not ${human.id}'s enrolment token, or it was already used; an admin can create a new human`,
    );
  }
  if (context.clock.now() >= enrolment.expiresAt) {
    throw new LeashError(
      "enrolment_expired",
      `${human.id}'s enrolment token expired; an admin can create a new human`,
    );
  }
  if (!(await context.store.approvals.claimEnrolment(enrolment.tokenHash, ENROLMENT_TTL_MS))) {
    throw new LeashError("enrolment_used", `${human.id}'s enrolment token was already redeemed`);
  }
  const secret = generateTotpSecret();
  const { enrolment: _spent, ...rest } = human;
  const enrolled: Principal = {
    ...rest,
    totp: { sealed: context.totpKeys.seal(human.id, secret), confirmed: false },
  };
  await context.store.savePrincipal(enrolled);
  await recordPrincipalChange(context, "totp_enrol", enrolled, humanActor(human.id), origin);
  return { secret, otpauthUri: otpauthUri(human.id, secret) };
}
