// Passkeys (WebAuthn) as an approver's second factor, beside TOTP: a human enrols one (proving their TOTP code once),
// then approves with a touch. Each approval challenge is derived from the approval id and the hash of the exact call,
// is issued to one human, must be answered with user verification, and is taken from the store as it is checked, so
// it answers once; the authenticator's signature counter must move forward.
import { createHash, randomBytes } from "node:crypto";
import {
  type AuthenticationResponseJSON,
  generateAuthenticationOptions,
  generateRegistrationOptions,
  type RegistrationResponseJSON,
  verifyAuthenticationResponse,
  verifyRegistrationResponse,
} from "@simplewebauthn/server";
import { humanActor, recordPrincipalChange } from "../audit/audit-trail.ts";
import type { BrokerContext, WebauthnSettings } from "../context/broker-context.ts";
import { LeashError, tooManyRequests } from "../errors/leash-error.ts";
import { acceptTotp } from "../principals/totp.ts";
import { type Approval, callBinding } from "../store/approval-record.ts";
import type { AuditOrigin } from "../store/audit-record.ts";
import type { Passkey, Principal } from "../store/store.ts";

/** How long a human has to touch their authenticator after asking for a challenge. */
export const CHALLENGE_TTL_MS = 2 * 60_000;
export const MAX_PASSKEYS = 10;
/**
 * Challenges one human may be issued per CHALLENGE_TTL_MS, on every broker together: far more than anyone touches an
 * authenticator, and a bound on what a human key asking in a loop keeps in the store.
 */
export const MAX_CHALLENGES_PER_WINDOW = 20;

/** Keeps a challenge issued to `human` until it is answered or expires; 429 past the human's bound. */
async function keepChallenge(
  context: BrokerContext,
  human: Principal,
  challenge: string,
  record: ChallengeRecord,
): Promise<void> {
  const kept = await context.store.approvals.saveChallenge(
    human.id,
    challenge,
    JSON.stringify(record),
    CHALLENGE_TTL_MS,
    { max: MAX_CHALLENGES_PER_WINDOW, windowMs: CHALLENGE_TTL_MS },
  );
  if (!kept.saved) {
    throw tooManyRequests(
      "too_many_passkey_challenges",
      `${human.id} was issued ${MAX_CHALLENGES_PER_WINDOW} passkey challenges in the last ${CHALLENGE_TTL_MS / 60_000} minutes; answer one, or wait`,
      kept.retryAfterMs,
    );
  }
}

export function webauthnSettings(context: BrokerContext): WebauthnSettings {
  if (context.webauthn) return context.webauthn;
  const issuer = new URL(context.issuer);
  return { rpId: issuer.hostname, origins: [issuer.origin] };
}

/** The exact thing an approval lets through: the call binding, or the issuance request. */
export function approvalHash(approval: Approval): string {
  if (approval.kind === "call")
    return callBinding(approval.jti, approval.action, approval.resource, approval.requestHash);
  return createHash("sha256").update(JSON.stringify(approval.request)).digest("hex");
}

type ChallengeRecord = { purpose: "enrol" } | { purpose: "approve"; approval: string; hash: string };

const toBase64url = (bytes: Uint8Array) => Buffer.from(bytes).toString("base64url");
const fromBase64url = (text: string) => new Uint8Array(Buffer.from(text, "base64url"));

/** The challenge a browser answered, read from its client data; a malformed answer is a 400. */
function answeredChallenge(response: { response?: { clientDataJSON?: unknown } }): string {
  try {
    const json = Buffer.from(String(response.response?.clientDataJSON), "base64url").toString("utf8");
    const challenge = (JSON.parse(json) as { challenge?: unknown }).challenge;
    if (typeof challenge === "string" && /^[A-Za-z0-9_-]{16,128}$/.test(challenge)) return challenge;
  } catch {
    // reported below
  }
  throw new LeashError("webauthn_malformed", "the passkey answer carries no readable challenge");
}

async function takeChallenge(
  context: BrokerContext,
  human: Principal,
  response: { response?: { clientDataJSON?: unknown } },
): Promise<{ challenge: string; record: ChallengeRecord }> {
  const challenge = answeredChallenge(response);
  const json = await context.store.approvals.takeChallenge(human.id, challenge);
  if (json === null) {
    throw new LeashError(
      "webauthn_challenge_unknown",
      "this passkey answer is for a challenge leash did not issue to you, or one already used or expired; ask for a new one",
    );
  }
  return { challenge, record: JSON.parse(json) as ChallengeRecord };
}

const refused = (error: unknown) =>
  new LeashError("webauthn_invalid", `the passkey answer does not verify: ${(error as Error).message}`);

export async function beginPasskeyEnrolment(context: BrokerContext, human: Principal) {
  const { rpId } = webauthnSettings(context);
  const options = await generateRegistrationOptions({
    rpName: "leash",
    rpID: rpId,
    userName: human.id,
    userID: new TextEncoder().encode(human.id),
    attestationType: "none",
    excludeCredentials: (human.passkeys ?? []).map((passkey) => ({
      id: passkey.id,
      transports: passkey.transports as never,
    })),
    authenticatorSelection: { residentKey: "preferred", userVerification: "required" },
    timeout: CHALLENGE_TTL_MS,
  });
  await keepChallenge(context, human, options.challenge, { purpose: "enrol" });
  return options;
}

/** Adds a passkey; the human proves their TOTP code as well, so a stolen API key alone cannot add a factor. */
export async function finishPasskeyEnrolment(
  context: BrokerContext,
  human: Principal,
  response: RegistrationResponseJSON,
  totp: string,
  origin: AuditOrigin = {},
): Promise<Principal> {
  if ((human.passkeys ?? []).length >= MAX_PASSKEYS)
    throw new LeashError("too_many_passkeys", `at most ${MAX_PASSKEYS} passkeys per human`);
  await acceptTotp(context, human, totp, context.clock.now(), { origin });
  const { challenge, record } = await takeChallenge(context, human, response);
  if (record.purpose !== "enrol")
    throw new LeashError(
      "webauthn_challenge_mismatch",
      "this challenge was issued for an approval, not for enrolment",
    );
  const { rpId, origins } = webauthnSettings(context);
  const verified = await verifyRegistrationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: origins,
    expectedRPID: rpId,
    requireUserVerification: true,
  }).catch((error: unknown) => {
    throw refused(error);
  });
  if (!verified.verified || !verified.registrationInfo) throw refused(new Error("not verified"));
  const { credential } = verified.registrationInfo;
  // Re-read: the record may have changed (another factor, a rotated key) since this request authenticated.
  const current = (await context.store.getPrincipal(human.id)) ?? human;
  if ((current.passkeys ?? []).some((passkey) => passkey.id === credential.id))
    throw new LeashError("passkey_already_enrolled", "this passkey is already enrolled");
  const passkey: Passkey = {
    id: credential.id,
    publicKey: toBase64url(credential.publicKey),
    counter: credential.counter,
    transports: credential.transports,
    createdAt: context.clock.now(),
  };
  const updated = { ...current, passkeys: [...(current.passkeys ?? []), passkey] };
  await context.store.savePrincipal(updated);
  await recordPrincipalChange(context, "passkey_enrol", updated, humanActor(human.id), origin);
  return updated;
}

/** Options for approving `approval` with a touch: a challenge bound to the approval id and the exact call. */
export async function beginPasskeyApproval(context: BrokerContext, human: Principal, approval: Approval) {
  const passkeys = human.passkeys ?? [];
  if (passkeys.length === 0)
    throw new LeashError(
      "passkey_not_enrolled",
      `${human.id} has no passkey; enrol one in the console first`,
    );
  const hash = approvalHash(approval);
  const challenge = createHash("sha256")
    .update(`leash-approval\n${approval.id}\n${hash}\n`)
    .update(randomBytes(16))
    .digest();
  const { rpId } = webauthnSettings(context);
  const options = await generateAuthenticationOptions({
    rpID: rpId,
    challenge,
    allowCredentials: passkeys.map((passkey) => ({
      id: passkey.id,
      transports: passkey.transports as never,
    })),
    userVerification: "required",
    timeout: CHALLENGE_TTL_MS,
  });
  await keepChallenge(context, human, options.challenge, { purpose: "approve", approval: approval.id, hash });
  return options;
}

/**
 * Accepts a passkey answer for this approval once: the challenge must be one issued to this human for this approval
 * and this exact call, the signature must verify with user verification, and the counter must move forward.
 */
export async function acceptPasskey(
  context: BrokerContext,
  human: Principal,
  approval: Approval,
  response: AuthenticationResponseJSON,
): Promise<void> {
  const { challenge, record } = await takeChallenge(context, human, response);
  if (
    record.purpose !== "approve" ||
    record.approval !== approval.id ||
    record.hash !== approvalHash(approval)
  ) {
    throw new LeashError(
      "webauthn_challenge_mismatch",
      "this passkey answer was made for another approval or call",
    );
  }
  const passkey = (human.passkeys ?? []).find((candidate) => candidate.id === response.id);
  if (!passkey) throw new LeashError("passkey_unknown", "this passkey is not enrolled for you");
  const { rpId, origins } = webauthnSettings(context);
  const verified = await verifyAuthenticationResponse({
    response,
    expectedChallenge: challenge,
    expectedOrigin: origins,
    expectedRPID: rpId,
    credential: {
      id: passkey.id,
      publicKey: fromBase64url(passkey.publicKey),
      counter: passkey.counter,
      transports: passkey.transports as never,
    },
    requireUserVerification: true,
  }).catch((error: unknown) => {
    throw refused(error);
  });
  if (!verified.verified) throw refused(new Error("not verified"));
  const current = (await context.store.getPrincipal(human.id)) ?? human;
  await context.store.savePrincipal({
    ...current,
    passkeys: (current.passkeys ?? []).map((candidate) =>
      candidate.id === passkey.id
        ? { ...candidate, counter: verified.authenticationInfo.newCounter }
        : candidate,
    ),
  });
}
