// How leash reaches Vault: address, namespace, TLS and the headers every request carries, for node-vault.
import { readdirSync, readFileSync, statSync } from "node:fs";
import https from "node:https";
import { join } from "node:path";
import vault from "node-vault";
import { LeashError } from "../errors/leash-error.ts";

export interface VaultTlsSettings {
  /** PEM CA file (VAULT_CACERT). */
  caCert?: string;
  /** Directory of PEM CA files (VAULT_CAPATH). */
  caPath?: string;
  /** Client certificate and key, PEM files (VAULT_CLIENT_CERT, VAULT_CLIENT_KEY). */
  clientCert?: string;
  clientKey?: string;
  /** The name Vault's certificate must carry, and the SNI sent (VAULT_TLS_SERVER_NAME). */
  serverName?: string;
  /** Do not verify Vault's certificate (VAULT_SKIP_VERIFY=true). */
  skipVerify?: boolean;
}

export interface VaultConnection {
  /** Base address, e.g. `https://vault.internal:8200` (VAULT_ADDR). */
  endpoint: string;
  /** Vault Enterprise namespace (VAULT_NAMESPACE), sent as X-Vault-Namespace. */
  namespace?: string;
  /** Bound on each request, so a hung Vault fails closed quickly. */
  timeoutMs?: number;
  tls?: VaultTlsSettings;
}

/** Per-request options node-vault passes on to axios. */
export interface VaultRequestOptions {
  timeout: number;
  headers: Record<string, string>;
  httpsAgent?: https.Agent;
}

const DEFAULT_TIMEOUT_MS = 2_500;

/** A node-vault client and the request options that carry leash's TLS settings and headers. */
export class VaultTransport {
  readonly client: vault.client;
  readonly #timeoutMs: number;
  readonly #agent: https.Agent | undefined;

  constructor(readonly connection: VaultConnection) {
    this.#timeoutMs = connection.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#agent = connection.endpoint.startsWith("https:")
      ? new https.Agent({ keepAlive: true, ...tlsAgentOptions(connection.tls ?? {}) })
      : undefined;
    this.client = vault({
      apiVersion: "v1",
      endpoint: connection.endpoint,
      ...(connection.namespace ? { namespace: connection.namespace } : {}),
    });
    // node-vault falls back to VAULT_TOKEN from the environment; leash names the token on every request instead.
    this.client.token = "";
  }

  /**
   * Options for one request: its own headers object (node-vault writes the token into it), the token when given,
   * `X-Vault-Request: true` (Vault Agent and Proxy listeners can require it), and the TLS agent.
   */
  options(token?: string): VaultRequestOptions {
    const headers: Record<string, string> = { "X-Vault-Request": "true" };
    if (token) headers["X-Vault-Token"] = token;
    return { timeout: this.#timeoutMs, headers, ...(this.#agent ? { httpsAgent: this.#agent } : {}) };
  }

  close(): void {
    this.#agent?.destroy();
  }
}

/**
 * Agent options from the TLS settings, files read once here so a missing one fails at start with its name.
 * Verification is on unless skipVerify is true: the environment's VAULT_SKIP_VERIFY is never read by string truth.
 */
export function tlsAgentOptions(tls: VaultTlsSettings): https.AgentOptions {
  const options: https.AgentOptions = { rejectUnauthorized: tls.skipVerify !== true };
  const authorities = [
    ...(tls.caCert ? [readPem(tls.caCert, "VAULT_CACERT")] : []),
    ...(tls.caPath ? readPemDirectory(tls.caPath) : []),
  ];
  if (authorities.length > 0) options.ca = authorities;
  if (tls.clientCert) options.cert = readPem(tls.clientCert, "VAULT_CLIENT_CERT");
  if (tls.clientKey) options.key = readPem(tls.clientKey, "VAULT_CLIENT_KEY");
  if (tls.serverName) options.servername = tls.serverName;
  return options;
}

function readPem(file: string, setting: string): string {
  try {
    return readFileSync(file, "utf8");
  } catch (error) {
    throw new LeashError(
      "vault_tls_config",
      `${setting}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
}

function readPemDirectory(directory: string): string[] {
  let names: string[];
  try {
    names = readdirSync(directory).sort();
  } catch (error) {
    throw new LeashError(
      "vault_tls_config",
      `VAULT_CAPATH: cannot read the directory ${directory} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const pems = names
    .map((name) => join(directory, name))
    .filter((path) => statSync(path).isFile())
    .map((path) => readPem(path, "VAULT_CAPATH"))
    .filter((text) => text.includes("-----BEGIN CERTIFICATE-----"));
  if (pems.length === 0) {
    throw new LeashError("vault_tls_config", `VAULT_CAPATH: no PEM certificate in ${directory}`);
  }
  return pems;
}
