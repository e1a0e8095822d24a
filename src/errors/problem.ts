// RFC 9457 problem+json: every error leash answers has this shape and a stable `code`, whichever server answers it.
import { type ErrorCode, errorCatalogue, titleFor } from "./catalogue.ts";

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  instance?: string;
  [extra: string]: unknown;
}

/** The body for a catalogue code, with the status and title the catalogue gives it. */
export const problem = (code: ErrorCode, detail: string, extra: Record<string, unknown> = {}): Problem =>
  answeredProblem(errorCatalogue[code].status, code, detail, extra);

/**
 * The body for an error already made with its status: a LeashError (a PassedOnError's code came from the process
 * that decided it), a proxy refusal, or a framework error whose status the framework chose.
 */
export function answeredProblem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): Problem {
  return { type: `urn:leash:problem:${code}`, title: titleFor(status), status, detail, code, ...extra };
}
