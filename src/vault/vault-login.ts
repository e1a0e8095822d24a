// How leash obtains its own Vault token: a given token, or a login with AppRole, Kubernetes or JWT auth.
import { readFile } from "node:fs/promises";
import { z } from "zod";
import { LeashError } from "../errors/leash-error.ts";
import type { VaultTransport } from "./vault-connection.ts";
import { vaultErrorToLeashError } from "./vault-error.ts";

export const KUBERNETES_SERVICE_ACCOUNT_TOKEN = "/var/run/secrets/kubernetes.io/serviceaccount/token";

export type VaultAuth =
  | { method: "token"; token: string }
  | { method: "approle"; mount: string; roleId: string; secretId: { value: string } | { file: string } }
  | { method: "kubernetes"; mount: string; role: string; jwtFile: string }
  | { method: "jwt"; mount: string; role: string; jwtFile: string };

const LOGIN_SETTINGS = {
  approle: "VAULT_ROLE_ID and the secret id",
  kubernetes: "VAULT_AUTH_ROLE and the service-account token",
  jwt: "VAULT_AUTH_ROLE and the JWT in VAULT_AUTH_JWT_FILE",
} as const;

/** A fresh token from a login. */
export interface VaultLogin {
  token: string;
  leaseDurationMs: number;
  renewable: boolean;
  policies: string[];
}

const loginAnswer = z.object({
  auth: z.object({
    client_token: z.string().min(1),
    lease_duration: z.number().int().nonnegative(),
    renewable: z.boolean().default(false),
    policies: z.array(z.string()).nullable().default([]),
  }),
});

/** Logs in with the configured method, through node-vault's login calls; never sends an old token along. */
export async function loginToVault(
  auth: Exclude<VaultAuth, { method: "token" }>,
  transport: VaultTransport,
): Promise<VaultLogin> {
  const operation = { action: "logging in at", path: `auth/${auth.mount}/login` };
  const secrets: string[] = [];
  let body: unknown;
  try {
    const options = transport.options();
    if (auth.method === "approle") {
      const secretId =
        "value" in auth.secretId
          ? auth.secretId.value
          : await readCredentialFile(auth.secretId.file, "VAULT_SECRET_ID_FILE");
      secrets.push(secretId);
      body = await transport.client.approleLogin({
        mount_point: auth.mount,
        role_id: auth.roleId,
        secret_id: secretId,
        requestOptions: options,
      });
    } else {
      const jwt = await readCredentialFile(auth.jwtFile, "VAULT_AUTH_JWT_FILE");
      secrets.push(jwt);
      body =
        auth.method === "kubernetes"
          ? await transport.client.kubernetesLogin({
              mount_point: auth.mount,
              role: auth.role,
              jwt,
              requestOptions: options,
            })
          : await transport.client.write(operation.path, { role: auth.role, jwt }, options);
    }
  } catch (error) {
    if (error instanceof LeashError) throw error;
    const failure = vaultErrorToLeashError(error, operation, secrets);
    if (failure.code === "vault_bad_path" || failure.code === "vault_permission_denied") {
      // Vault refused the credentials or the role: say which settings to check, not a scope's path.
      const said = (failure.extra.vault_errors as string[] | undefined)?.join("; ") || "refused";
      throw new LeashError(
        "vault_login_failed",
        `Vault refused leash's ${auth.method} login at ${operation.path}: ${said}; check ${LOGIN_SETTINGS[auth.method]} and VAULT_AUTH_MOUNT`,
        failure.extra,
      );
    }
    throw failure;
  } finally {
    // node-vault keeps a login's token on the client; leash names the token on each request instead.
    transport.client.token = "";
  }
  const parsed = loginAnswer.safeParse(body);
  if (!parsed.success) {
    throw new LeashError("vault_bad_response", `Vault's answer to ${operation.path} has no token`);
  }
  const { client_token, lease_duration, renewable, policies } = parsed.data.auth;
  return {
    token: client_token,
    leaseDurationMs: lease_duration * 1000,
    renewable,
    policies: policies ?? [],
  };
}

async function readCredentialFile(file: string, setting: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new LeashError(
      "vault_login_failed",
      `${setting}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? "error"})`,
    );
  }
  const value = text.trim();
  if (value === "") throw new LeashError("vault_login_failed", `${setting}: ${file} is empty`);
  return value;
}
