// The broker's logs: pino, JSON lines. The logger redacts secret-bearing fields wherever they appear; the access log
// (one line per request, fixed fields that never hold a secret; a decision route's successful answers at debug, as
// the audit log records each decision) skips redaction, which would cost more than the rest of the line. Both write
// asynchronously through one buffer, written out once it holds 4 KiB or every 250 ms: under load one write carries
// some twenty lines instead of each line paying for its own (writes were 5% of an authorize's CPU); a quiet broker's
// line waits at most 250 ms. What is buffered is written when the process exits.
import { hostname } from "node:os";
import pino, { type Logger } from "pino";

export const REDACTED_PATHS = [
  "token",
  "*.token",
  "api_key",
  "*.api_key",
  "apiKey",
  "*.apiKey",
  "password",
  "*.password",
  "totp",
  "*.totp",
  "secret",
  "*.secret",
  "req.headers.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "authorization",
  "*.authorization",
  'req.headers["leash-approval"]',
  "req.headers.cookie",
  'req.headers["x-vault-token"]',
  'headers["x-vault-token"]',
  // Vault dynamic credentials handed to an agent, and Vault's own token.
  "credentials",
  "*.credentials",
  "client_token",
  "*.client_token",
  "vault_token",
  "*.vault_token",
  // A human's TOTP enrolment, shown once.
  "totp_secret",
  "*.totp_secret",
  "otpauth_uri",
  "*.otpauth_uri",
  "webhook_secret",
  "*.webhook_secret",
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } },
    // pino flushes what is still buffered when the process exits.
    destination ?? pino.destination({ dest: 2, sync: false, minLength: 4096, periodicFlush: 250 }),
  );
}

/** One request as the access log shows it: fields leash builds itself, none of which can hold a secret. */
export interface AccessLine {
  request_id: string;
  method: string;
  route: string | undefined;
  status: number;
  ms: number;
}

/** The levels an access line is written at: debug for a decision route's successful answers, info otherwise. */
export type AccessLevel = "info" | "debug";
const LEVEL_NUMBERS: Record<AccessLevel, number> = { info: 30, debug: 20 };

/**
 * The access log next to `logger`: same level, same destination, the line pino would write for `info(line,
 * "request")` (or `debug`) on a logger without redaction, built here as a string. Both redaction and pino's generic
 * serialisation cost more than the rest of the line, and these fields are strings and numbers leash makes.
 */
export function accessLogger(logger: Logger): (line: AccessLine, level?: AccessLevel) => void {
  const destination = (logger as unknown as Record<symbol, pino.DestinationStream | undefined>)[
    pino.symbols.streamSym
  ];
  if (!destination) throw new Error("the logger has no destination stream");
  const base = `,"pid":${process.pid},"hostname":${JSON.stringify(hostname())}`;
  return (line, level = "info") => {
    if (!logger.isLevelEnabled(level)) return;
    const route = line.route === undefined ? "" : `,"route":${JSON.stringify(line.route)}`;
    destination.write(
      `{"level":${LEVEL_NUMBERS[level]},"time":${Date.now()}${base},"request_id":${JSON.stringify(line.request_id)},"method":${JSON.stringify(line.method)}${route},"status":${line.status},"ms":${line.ms},"msg":"request"}\n`,
    );
  };
}
