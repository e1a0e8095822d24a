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
    destination ?? pino.destination(2),
  );
}
