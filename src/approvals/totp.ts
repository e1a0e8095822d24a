// Second factor for approvers: TOTP (RFC 6238, otplib), ±1 step of clock skew, and a used step never accepted twice.
import { authenticator } from "otplib";
import { forbidden } from "../errors/leash-error.ts";
import type { Principal, Store } from "../store/store.ts";

const STEP_SECONDS = 30;
/** A claimed step is remembered past the skew window, so the same code cannot be replayed while it is valid. */
const USED_STEP_TTL_MS = 4 * STEP_SECONDS * 1000;

export const generateTotpSecret = () => authenticator.generateSecret(20);

export const otpauthUri = (humanId: string, secret: string) => authenticator.keyuri(humanId, "leash", secret);

/** The code a device shows now; for tests and the dev console. */
export const currentTotp = (secret: string, nowMs: number) =>
  authenticator.clone({ epoch: nowMs, step: STEP_SECONDS }).generate(secret);

/**
 * Accepts `code` for `human` at `nowMs` once. Throws 403 `totp_not_enrolled`, `totp_invalid` or `totp_replayed`.
 * `requireConfirmed: false` is only for the first code that confirms enrolment.
 */
export async function acceptTotp(
  store: Store,
  human: Principal,
  code: string,
  nowMs: number,
  options: { requireConfirmed: boolean } = { requireConfirmed: true },
): Promise<void> {
  if (!human.totp || (options.requireConfirmed && !human.totp.confirmed)) {
    throw forbidden(
      "totp_not_enrolled",
      `${human.id} has no confirmed TOTP device; confirm enrolment with a first code`,
    );
  }
  if (!/^\d{6}$/.test(code)) throw forbidden("totp_invalid", "the code must be six digits");
  const delta = authenticator
    .clone({ epoch: nowMs, step: STEP_SECONDS, window: 1 })
    .checkDelta(code, human.totp.secret);
  if (delta === null) throw forbidden("totp_invalid", "the code is wrong or too old");
  const step = Math.floor(nowMs / 1000 / STEP_SECONDS) + delta;
  if (!(await store.approvals.claimTotpStep(human.id, step, USED_STEP_TTL_MS))) {
    throw forbidden("totp_replayed", "this code was already used; wait for the next one");
  }
}
