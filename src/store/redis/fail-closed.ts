// Every Redis failure (refused, timed out, closed, error reply, unreadable record) becomes StoreUnavailableError.
import { LeashError, StoreUnavailableError } from "../../errors/leash-error.ts";

export async function failClosed<T>(operation: () => Promise<T>): Promise<T> {
  try {
    return await operation();
  } catch (error) {
    if (error instanceof LeashError) throw error;
    throw new StoreUnavailableError(error);
  }
}
