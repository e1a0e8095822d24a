// The Vault client leash runs with, from the validated configuration: address, TLS, namespace and auth method.
import type { LeashConfig } from "../config/config.ts";
import type { VaultClientOptions } from "./vault-client.ts";
import { KUBERNETES_SERVICE_ACCOUNT_TOKEN, type VaultAuth } from "./vault-login.ts";

/** Options for VaultCredentialsClient, or undefined without VAULT_ADDR. loadConfig already checked the combination. */
export function vaultOptionsFromConfig(config: LeashConfig): VaultClientOptions | undefined {
  if (!config.VAULT_ADDR) return undefined;
  return {
    endpoint: config.VAULT_ADDR,
    auth: vaultAuthFromConfig(config),
    timeoutMs: config.VAULT_TIMEOUT_MS,
    ...(config.VAULT_NAMESPACE ? { namespace: config.VAULT_NAMESPACE } : {}),
    tls: {
      caCert: config.VAULT_CACERT,
      caPath: config.VAULT_CAPATH,
      clientCert: config.VAULT_CLIENT_CERT,
      clientKey: config.VAULT_CLIENT_KEY,
      serverName: config.VAULT_TLS_SERVER_NAME,
      skipVerify: config.VAULT_SKIP_VERIFY,
    },
    tokenOptions: { minTtlMs: config.VAULT_TOKEN_MIN_TTL_MS },
  };
}

function vaultAuthFromConfig(config: LeashConfig): VaultAuth {
  const method = config.VAULT_AUTH_METHOD;
  const mount = config.VAULT_AUTH_MOUNT ?? method;
  switch (method) {
    case "token":
      return { method, token: config.VAULT_TOKEN! };
    case "approle":
      return {
        method,
        mount,
        roleId: config.VAULT_ROLE_ID!,
        secretId:
          config.VAULT_SECRET_ID !== undefined
            ? { value: config.VAULT_SECRET_ID }
            : { file: config.VAULT_SECRET_ID_FILE! },
      };
    case "kubernetes":
      return {
        method,
        mount,
        role: config.VAULT_AUTH_ROLE!,
        jwtFile: config.VAULT_AUTH_JWT_FILE ?? KUBERNETES_SERVICE_ACCOUNT_TOKEN,
      };
    case "jwt":
      return { method, mount, role: config.VAULT_AUTH_ROLE!, jwtFile: config.VAULT_AUTH_JWT_FILE! };
  }
}
