// A timer for a moment that may be weeks away, such as a task token's expiry: Node fires a timer whose delay is above
// 2^31-1 ms (about 24.8 days) at once, with only a warning, so a longer wait is taken in steps.

const LONGEST_DELAY_MS = 2_147_483_647;

export interface Alarm {
  cancel(): void;
}

/** Calls `fire` once the real time is `atMs` (milliseconds since the epoch), at once if it has passed; unref'd. */
export function alarmAt(atMs: number, fire: () => void): Alarm {
  let timer: NodeJS.Timeout;
  const arm = () => {
    const remaining = atMs - Date.now();
    timer =
      remaining > LONGEST_DELAY_MS
        ? setTimeout(arm, LONGEST_DELAY_MS)
        : setTimeout(fire, Math.max(0, remaining));
    timer.unref();
  };
  arm();
  return { cancel: () => clearTimeout(timer) };
}
