// The one logger: pino, JSON lines, secret-bearing fields redacted wherever they appear.
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
  'req.headers["leash-approval"]',
];

export function createLogger(level: string, destination?: pino.DestinationStream): Logger {
  return pino(
    { level, redact: { paths: REDACTED_PATHS, censor: "[redacted]" } },
    destination ?? pino.destination(2),
  );
}
