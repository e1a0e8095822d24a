// Random ids for tokens and tasks (jti, task id), cut from a pooled buffer of CSPRNG bytes, each byte used once.
import { randomFillSync } from "node:crypto";

// One randomFillSync per 4 KiB instead of one per id: the call itself cost ~8 µs here, twice per mint.
const POOL_BYTES = 4096;
const pool = Buffer.alloc(POOL_BYTES);
let used = POOL_BYTES;

/** `bytes` fresh random bytes as base64url. */
export function randomBase64url(bytes: number): string {
  if (bytes > POOL_BYTES) throw new RangeError(`at most ${POOL_BYTES} random bytes at a time`);
  if (used + bytes > POOL_BYTES) {
    randomFillSync(pool);
    used = 0;
  }
  const text = pool.toString("base64url", used, used + bytes);
  used += bytes;
  return text;
}
