// A time limit on the rules' synchronous reading of one command. An agent gives up on a hook that does not answer
// in time and goes on as if it had no opinion (Claude Code after its hook timeout, Cursor after a few seconds), so a
// command shaped to be slow to read (a hundred thousand `true &&` before `rm -rf`) would run unjudged. Node's vm
// module stops synchronous code at a timeout, wherever it is; the caller then asks about the command.
import { Script } from "node:vm";

const SLOT = Symbol.for("leash.guard.timed-run");
let runSlot: Script | undefined;

/** The reading did not finish by its deadline. */
export class GuardTimeoutError extends Error {
  readonly code = "ERR_GUARD_TIMEOUT";
  constructor() {
    super("the guard could not read it to the end in the time a hook has");
  }
}

/**
 * `run()`, stopped with a GuardTimeoutError at `deadline` (milliseconds since the epoch); without a deadline, just
 * `run()`. A stopped run's finally blocks do not run: what it was building is abandoned, not used.
 */
export function runUntil<T>(deadline: number | undefined, run: () => T): T {
  if (deadline === undefined) return run();
  const timeout = Math.max(1, Math.ceil(deadline - Date.now()));
  runSlot ??= new Script(`globalThis[Symbol.for(${JSON.stringify(SLOT.description)})]()`);
  const slots = globalThis as unknown as Record<symbol, unknown>;
  slots[SLOT] = run;
  try {
    return runSlot.runInThisContext({ timeout }) as T;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ERR_SCRIPT_EXECUTION_TIMEOUT")
      throw new GuardTimeoutError();
    throw error;
  } finally {
    delete slots[SLOT];
  }
}
