// Second factor for approvers: TOTP (RFC 6238, otplib), ±1 step of clock skew, no step accepted at or before one used, and
// a lock after a few wrong codes, counted in the store so every broker process shares it.
import { authenticator } from "otplib";
import { recordTotpEvent } from "../audit/audit-trail.ts";
import type { BrokerContext } from "../context/broker-context.ts";
import { LeashError, tooManyRequests } from "../errors/leash-error.ts";
import type { TotpAttemptLimit } from "../store/approvals.ts";
import type { AuditOrigin } from "../store/audit-record.ts";
import type { Principal } from "../store/store.ts";

const STEP_SECONDS = 30;
/** A claimed step is remembered past the skew window, so the same code cannot be replayed while it is valid. */
const USED_STEP_TTL_MS = 4 * STEP_SECONDS * 1000;

/**
 * 5 wrong codes in 5 minutes lock the human for 5 minutes. With 3 codes valid at a time (±1 step) a guesser gets
 * 5 tries per 5 minutes: about 3 × 10⁻⁶ a try, so years on average rather than the minutes an unthrottled endpoint
 * allows. LEASH_TOTP_MAX_FAILURES and LEASH_TOTP_WINDOW change it.
 */
export const DEFAULT_TOTP_LIMIT: TotpAttemptLimit = { maxFailures: 5, windowMs: 5 * 60_000 };

export const generateTotpSecret = () => authenticator.generateSecret(20);

export const otpauthUri = (humanId: string, secret: string) => authenticator.keyuri(humanId, "leash", secret);

/** The code a device shows now; for tests and the dev console. */
export const currentTotp = (secret: string, nowMs: number) =>
  authenticator.clone({ epoch: nowMs, step: STEP_SECONDS }).generate(secret);

const locked = (human: Principal, retryAfterMs: number) =>
  tooManyRequests(
    "totp_locked",
    `too many wrong TOTP codes for ${human.id}; every code is refused for ${Math.ceil(retryAfterMs / 1000)} s`,
    retryAfterMs,
  );

/** Whether `code` is a valid, unused code of `human` at `nowMs`; the refusal (not thrown yet) when it is not. */
async function checkCode(
  context: BrokerContext,
  human: Principal,
  secret: string,
  code: string,
  nowMs: number,
): Promise<LeashError | null> {
  if (!/^\d{6}$/.test(code)) return new LeashError("totp_invalid", "the code must be six digits");
  const delta = authenticator.clone({ epoch: nowMs, step: STEP_SECONDS, window: 1 }).checkDelta(code, secret);
  if (delta === null) return new LeashError("totp_invalid", "the code is wrong or too old");
  const step = Math.floor(nowMs / 1000 / STEP_SECONDS) + delta;
  if (!(await context.store.approvals.claimTotpStep(human.id, step, USED_STEP_TTL_MS))) {
    return new LeashError(
      "totp_replayed",
      "this code, or a newer one, was already used; wait for the next one",
    );
  }
  return null;
}

/**
 * Seals a secret stored in clear, or under an older key, with the newest key, once a right code proved it is the
 * human's. The record is read again first and left alone if anything about its TOTP changed meanwhile, so a
 * concurrent change (a disable, a new enrolment) is never overwritten with the copy this request authenticated.
 */
async function resealTotp(context: BrokerContext, human: Principal, secret: string): Promise<Principal> {
  const current = await context.store.getPrincipal(human.id);
  if (
    !current?.totp ||
    current.totp.sealed !== human.totp?.sealed ||
    current.totp.secret !== human.totp?.secret
  )
    return current ?? human;
  const { secret: _clear, ...rest } = current.totp;
  const resealed: Principal = {
    ...current,
    totp: { ...rest, sealed: context.totpKeys.seal(human.id, secret) },
  };
  await context.store.savePrincipal(resealed);
  return resealed;
}

/**
 * Accepts `code` for `human` at `nowMs` once; returns the human as now stored (its secret sealed again if it was
 * in clear or under an older key). Throws 403 `totp_not_enrolled`, `totp_invalid` or `totp_replayed`, or
 * 429 `totp_locked` (with Retry-After) while the human is locked, whether the code is right or not. Every attempt
 * is charged before the code is checked, so parallel guesses on several processes cannot check more codes than
 * the limit allows; a right code gives its charge back. `requireConfirmed: false` is only for the first code that
 * confirms enrolment.
 */
export async function acceptTotp(
  context: BrokerContext,
  human: Principal,
  code: string,
  nowMs: number,
  options: { requireConfirmed?: boolean; origin?: AuditOrigin } = {},
): Promise<Principal> {
  const totp = human.totp;
  if (!(totp?.sealed || totp?.secret) || ((options.requireConfirmed ?? true) && !totp?.confirmed)) {
    throw new LeashError(
      "totp_not_enrolled",
      `${human.id} has no confirmed TOTP device; confirm enrolment with a first code`,
    );
  }
  const limit = context.totpLimit ?? DEFAULT_TOTP_LIMIT;
  const start = await context.store.approvals.beginTotpAttempt(human.id, limit);
  if (!start.allowed) {
    context.metrics.totpRefusedWhileLocked.inc();
    throw locked(human, start.retryAfterMs);
  }
  // Fails closed (503) when the secret cannot be opened; the attempt stays charged, as for any refusal.
  const opened = totp.sealed
    ? context.totpKeys.open(human.id, totp.sealed)
    : { secret: totp.secret!, stale: true };
  const refusal = await checkCode(context, human, opened.secret, code, nowMs);
  const end = await context.store.approvals.endTotpAttempt(human.id, refusal ? "failed" : "accepted", limit);
  if (!refusal) {
    if (end.locked) throw locked(human, end.retryAfterMs);
    return opened.stale ? await resealTotp(context, human, opened.secret) : human;
  }
  context.metrics.totpFailures.inc({ reason: refusal.code });
  const window = `${limit.maxFailures} per ${Math.round(limit.windowMs / 1000)} s`;
  await recordTotpEvent(
    context,
    "totp.failed",
    human.id,
    `failures=${end.failures}; limit=${window}`,
    refusal.code,
    options.origin,
  );
  if (end.lockedNow) {
    context.metrics.totpLocks.inc();
    await recordTotpEvent(
      context,
      "totp.locked",
      human.id,
      `until=${new Date(context.clock.now() + end.retryAfterMs).toISOString()}; limit=${window}`,
      "too_many_failures",
      options.origin,
    );
  }
  throw end.locked ? locked(human, end.retryAfterMs) : refusal;
}
