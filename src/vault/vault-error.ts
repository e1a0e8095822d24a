// Turns whatever node-vault rejects with into a LeashError with a stable code, without a stack trace or the Vault token.
import { LeashError } from "../errors/leash-error.ts";

/** Error codes the transport raises when Vault cannot be reached or does not answer in time (Node and axios). */
const UNREACHABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "ETIMEDOUT",
  "ESOCKETTIMEDOUT",
  "ENOTFOUND",
  "EAI_AGAIN",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EPIPE",
  "ERR_NETWORK",
  "ERR_CANCELED",
  "ERR_SOCKET_CONNECTION_TIMEOUT",
]);

const MAX_VAULT_MESSAGE = 300;

/** What leash was doing when Vault failed, for a message a person can act on ("reading database/creds/x"). */
export interface VaultOperation {
  action: string;
  path: string;
}

/**
 * Maps a node-vault rejection to a LeashError.
 * - unreachable / timed out / 429 / 501 → 503 `vault_unavailable`
 * - 503 saying "sealed" → 503 `vault_sealed`; saying no active instance / standby → 503 `vault_standby`;
 *   any other 503 → 503 `vault_unavailable`
 * - 401 / 403 → 502 `vault_permission_denied` (VaultCredentialsClient first asks whether leash's token is gone)
 * - 400 while revoking → 502 `vault_revocation_failed`
 * - 400 / 404 / 405 → 502 `vault_bad_path`, with Vault's own message ("unknown role: x")
 * - 500 "is not an allowed role" → 502 `vault_role_not_allowed`
 * - TLS failures → 502 `vault_tls_error` with Node's code
 * - anything else → 502 `vault_error`
 * `secrets` (the Vault token) are scrubbed from any text taken from the response.
 */
export function vaultErrorToLeashError(
  error: unknown,
  operation: VaultOperation,
  secrets: readonly string[] = [],
): LeashError {
  if (error instanceof LeashError) return error;
  const what = `${operation.action} ${operation.path}`;
  const status = responseStatus(error);
  if (status === undefined) {
    const code = transportCode(error);
    if (code !== undefined && isTlsFailure(code)) {
      return new LeashError(
        "vault_tls_error",
        `TLS with Vault failed (${code}) while ${what}; check VAULT_CACERT or VAULT_CAPATH, VAULT_TLS_SERVER_NAME and the client certificate`,
        { vault_tls_error: code },
      );
    }
    if (code !== undefined && UNREACHABLE_CODES.has(code)) {
      return new LeashError(
        "vault_unavailable",
        `Vault is unavailable (${code}) while ${what}; leash refuses until it is back`,
        { vault_transport_error: code },
      );
    }
    return new LeashError("vault_error", `Vault request failed while ${what}`, {});
  }
  const reasons = vaultMessages(error, secrets);
  const said = reasons.length > 0 ? `: ${reasons.join("; ")}` : "";
  const extra = { vault_status: status, vault_errors: reasons };
  if (status === 401 || status === 403) {
    return new LeashError(
      "vault_permission_denied",
      `Vault denied leash's token while ${what}${said}; check the policies of leash's Vault token`,
      extra,
    );
  }
  const text = reasons.join(" ");
  if (status === 400 && operation.action.startsWith("revoking")) {
    // Vault answers a revocation whose engine call failed (the database's revocation statements) with 400.
    return new LeashError(
      "vault_revocation_failed",
      `Vault could not revoke ${operation.path}${said}; check the role's revocation_statements and that Vault can reach the database with its connection's user`,
      extra,
    );
  }
  if (status === 400 || status === 404 || status === 405) {
    return new LeashError(
      "vault_bad_path",
      `Vault rejected ${operation.path} (HTTP ${status})${said || ": nothing there"}; check the path or role the scope names`,
      extra,
    );
  }
  if (status === 500 && /is not an allowed role/.test(text)) {
    return new LeashError(
      "vault_role_not_allowed",
      `Vault's database connection does not allow the role read at ${operation.path}${said}; add the role to the connection's allowed_roles (database/config/<connection>)`,
      extra,
    );
  }
  if (status === 503) {
    // 503 is also what a standby without an active node, or a node that is not active, answers: only Vault's
    // own words say it is sealed.
    if (/\bsealed\b/i.test(text)) {
      return new LeashError(
        "vault_sealed",
        `Vault is sealed while ${what}${said}; unseal it and retry`,
        extra,
      );
    }
    if (/no active Vault instance|node is not active|standby/i.test(text)) {
      return new LeashError(
        "vault_standby",
        `Vault has no active node to serve ${what}${said}; check the cluster's leader election and that VAULT_ADDR reaches an active node or a standby that forwards`,
        extra,
      );
    }
    return new LeashError(
      "vault_unavailable",
      `Vault cannot serve requests (HTTP 503) while ${what}${said}`,
      extra,
    );
  }
  if (status === 429 || status === 501) {
    return new LeashError(
      "vault_unavailable",
      `Vault cannot serve requests (HTTP ${status}) while ${what}${said}`,
      extra,
    );
  }
  return new LeashError("vault_error", `Vault failed (HTTP ${status}) while ${what}${said}`, extra);
}

/** Node's certificate verification codes (OpenSSL's names) and its TLS and SSL error codes. */
function isTlsFailure(code: string): boolean {
  return (
    /^ERR_(?:TLS|SSL)_/.test(code) ||
    code === "EPROTO" ||
    /^(?:UNABLE_TO_|CERT_|DEPTH_ZERO_SELF_SIGNED_CERT|SELF_SIGNED_CERT_IN_CHAIN|HOSTNAME_MISMATCH|INVALID_CA|INVALID_PURPOSE|ERR_TLS_CERT_ALTNAME_INVALID)/.test(
      code,
    )
  );
}

function responseStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null || !("response" in error)) return undefined;
  const response = (error as { response?: unknown }).response;
  if (typeof response !== "object" || response === null) return undefined;
  // node-vault's ApiResponseError carries `statusCode`; a raw axios error would carry `status`.
  const { statusCode, status } = response as { statusCode?: unknown; status?: unknown };
  if (typeof statusCode === "number") return statusCode;
  if (typeof status === "number") return status;
  return undefined;
}

function transportCode(error: unknown): string | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const { code, cause } = error as { code?: unknown; cause?: unknown };
  if (typeof code === "string") return code;
  return cause === undefined || cause === error ? undefined : transportCode(cause);
}

/** Vault's `errors` array from the response body, scrubbed of secrets and bounded in length. */
function vaultMessages(error: unknown, secrets: readonly string[]): string[] {
  const body = (error as { response?: { body?: unknown; data?: unknown } }).response;
  const payload = body?.body ?? body?.data;
  if (typeof payload !== "object" || payload === null) return [];
  const errors = (payload as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors
    .filter((entry): entry is string => typeof entry === "string" && entry.trim() !== "")
    .map((entry) => scrub(entry.replace(/\s+/g, " ").trim(), secrets));
}

function scrub(text: string, secrets: readonly string[]): string {
  let clean = text;
  for (const secret of secrets) {
    if (secret.length > 0) clean = clean.split(secret).join("[redacted]");
  }
  return clean.length > MAX_VAULT_MESSAGE ? `${clean.slice(0, MAX_VAULT_MESSAGE)}…` : clean;
}
