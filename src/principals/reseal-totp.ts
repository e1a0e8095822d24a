// Seals every human's TOTP secret under the newest TOTP secret key: after a rotation (so the old key file can be
// removed) and for records that still hold a secret in clear. Brokers do the same for one human on their next code.
import type { TotpSecretKeys } from "../keys/totp-secret-keys.ts";
import type { Store } from "../store/store.ts";

export interface ResealResult {
  /** Humans whose secret was in clear or under an older key, now sealed under the newest. */
  resealed: string[];
  /** Humans already sealed under the newest key. */
  current: number;
  /** Humans whose secret does not open with any key in the directory (left as they are). */
  unopenable: string[];
}

export async function resealTotpSecrets(store: Store, keys: TotpSecretKeys): Promise<ResealResult> {
  const result: ResealResult = { resealed: [], current: 0, unopenable: [] };
  for (const human of await store.listPrincipals("human")) {
    const totp = human.totp;
    if (!totp || !(totp.sealed || totp.secret)) continue;
    let secret: string;
    if (totp.sealed) {
      try {
        const opened = keys.open(human.id, totp.sealed);
        if (!opened.stale) {
          result.current++;
          continue;
        }
        secret = opened.secret;
      } catch {
        result.unopenable.push(human.id);
        continue;
      }
    } else secret = totp.secret!;
    // Read again just before writing: a change made meanwhile (disable, new enrolment) is kept as it is.
    const current = await store.getPrincipal(human.id);
    if (!current?.totp || current.totp.sealed !== totp.sealed || current.totp.secret !== totp.secret)
      continue;
    const { secret: _clear, ...rest } = current.totp;
    await store.savePrincipal({ ...current, totp: { ...rest, sealed: keys.seal(human.id, secret) } });
    result.resealed.push(human.id);
  }
  return result;
}
