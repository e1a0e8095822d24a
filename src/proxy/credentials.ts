// Resolves each upstream's credential at start: from the proxy's own environment or a Vault KV secret, never the agent.
import { LeashError } from "../errors/leash-error.ts";
import { VaultCredentialsClient } from "../vault/vault-client.ts";
import { type CredentialSource, MIN_CREDENTIAL_LENGTH } from "./config-schema.ts";

export interface CredentialEnvironment {
  [name: string]: string | undefined;
}

export class CredentialError extends LeashError {
  constructor(upstream: string, message: string) {
    super("credential_unavailable", `upstream ${upstream}: credential: ${message}`);
  }
}

/** Reads every upstream's credential; fails naming the upstream and where it looked, never the value. */
export async function resolveCredentials(
  upstreams: readonly { name: string; credential: { source: CredentialSource } }[],
  env: CredentialEnvironment,
  vaultClient: () => VaultCredentialsClient = () => vaultFromEnvironment(env),
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  let vault: VaultCredentialsClient | undefined;
  for (const upstream of upstreams) {
    const source = upstream.credential.source;
    let value: string;
    if ("env" in source) {
      const found = env[source.env];
      if (found === undefined || found === "") {
        throw new CredentialError(upstream.name, `the environment variable ${source.env} is not set`);
      }
      value = found;
    } else {
      vault ??= vaultClient();
      const secret = await vault.readKv(source.vault_kv, source.mount).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        throw new CredentialError(upstream.name, `cannot read Vault KV ${source.vault_kv}: ${reason}`);
      });
      const found = secret.data[source.key];
      if (typeof found !== "string" || found === "") {
        throw new CredentialError(
          upstream.name,
          `Vault KV ${source.vault_kv} has no string under the key ${JSON.stringify(source.key)}`,
        );
      }
      value = found;
    }
    if (value.trim() !== value || /[\r\n]/.test(value)) {
      throw new CredentialError(upstream.name, "the value has surrounding whitespace or a line break");
    }
    if (value.length < MIN_CREDENTIAL_LENGTH) {
      throw new CredentialError(
        upstream.name,
        `the value is shorter than ${MIN_CREDENTIAL_LENGTH} characters; is it the right one?`,
      );
    }
    values.set(upstream.name, value);
  }
  return values;
}

function vaultFromEnvironment(env: CredentialEnvironment): VaultCredentialsClient {
  const endpoint = env.VAULT_ADDR;
  const token = env.VAULT_TOKEN;
  if (!endpoint || !token) {
    throw new LeashError(
      "credential_unavailable",
      "a credential comes from Vault KV: set VAULT_ADDR and VAULT_TOKEN in the proxy's environment",
    );
  }
  return new VaultCredentialsClient({ endpoint, token });
}
