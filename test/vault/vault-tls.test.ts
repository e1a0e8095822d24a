// TLS to Vault with a private CA made for the test (openssl): VAULT_CACERT, VAULT_CAPATH, VAULT_TLS_SERVER_NAME,
// client certificates and VAULT_SKIP_VERIFY read through the real configuration; failures keep their TLS code.
import { execFileSync } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/config.ts";
import { LeashError } from "../../src/errors/leash-error.ts";
import { VaultCredentialsClient } from "../../src/vault/vault-client.ts";
import { vaultOptionsFromConfig } from "../../src/vault/vault-settings.ts";
import { startVaultStandin, type VaultStandin } from "../helpers/vault-standin.ts";

let dir: string;
let standin: VaultStandin;
let mutual: VaultStandin;
const clients: VaultCredentialsClient[] = [];

function openssl(...args: string[]): void {
  execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leash-vault-tls-"));
  openssl(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:P-256",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=leash test CA",
  );
  for (const [name, san, usage] of [
    ["server", "DNS:vault.internal", "serverAuth"],
    ["client", "DNS:leash", "clientAuth"],
  ] as const) {
    openssl(
      "req",
      "-newkey",
      "ec",
      "-pkeyopt",
      "ec_paramgen_curve:P-256",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${name}`,
    );
    await writeFile(join(dir, `${name}.ext`), `subjectAltName=${san}\nextendedKeyUsage=${usage}\n`);
    openssl(
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "1",
      "-extfile",
      `${name}.ext`,
    );
  }
  await mkdir(join(dir, "cas"));
  await writeFile(join(dir, "cas", "private-ca.pem"), await readFile(join(dir, "ca.pem")));
  await writeFile(join(dir, "cas", "README"), "not a certificate\n");
  const key = await readFile(join(dir, "server.key"), "utf8");
  const cert = await readFile(join(dir, "server.pem"), "utf8");
  standin = await startVaultStandin({ tls: { key, cert } });
  mutual = await startVaultStandin({
    tls: { key, cert, clientCa: await readFile(join(dir, "ca.pem"), "utf8") },
  });
}, 60_000);

afterAll(async () => {
  for (const client of clients) client.stop();
  await standin?.stop();
  await mutual?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A client built the way `leash serve` builds it, from environment variables. */
function clientFrom(target: VaultStandin, env: Record<string, string>): VaultCredentialsClient {
  const config = loadConfig({ VAULT_ADDR: target.addr, VAULT_TOKEN: target.rootToken, ...env });
  const client = new VaultCredentialsClient(vaultOptionsFromConfig(config)!);
  clients.push(client);
  return client;
}

async function failure(promise: Promise<unknown>): Promise<LeashError> {
  const error = await promise.then(
    () => null,
    (reason: unknown) => reason,
  );
  expect(error).toBeInstanceOf(LeashError);
  return error as LeashError;
}

describe("TLS to Vault", () => {
  it("works with the private CA in VAULT_CACERT and the certificate's name in VAULT_TLS_SERVER_NAME", async () => {
    const client = clientFrom(standin, {
      VAULT_CACERT: join(dir, "ca.pem"),
      VAULT_TLS_SERVER_NAME: "vault.internal",
    });
    expect(await client.health()).toMatchObject({ sealed: false });
    expect((await client.lookupSelf()).policies).toEqual(["root"]);
  });

  it("works with a CA directory in VAULT_CAPATH", async () => {
    const client = clientFrom(standin, {
      VAULT_CAPATH: join(dir, "cas"),
      VAULT_TLS_SERVER_NAME: "vault.internal",
    });
    expect(await client.health()).toMatchObject({ sealed: false });
  });

  it("fails clearly, with the TLS code, without the CA, and VAULT_SKIP_VERIFY=false still verifies", async () => {
    const previous = process.env.VAULT_SKIP_VERIFY;
    // node-vault on its own reads any non-empty VAULT_SKIP_VERIFY as "skip": leash must not.
    process.env.VAULT_SKIP_VERIFY = "false";
    try {
      for (const env of [{}, { VAULT_SKIP_VERIFY: "false" }] as Record<string, string>[]) {
        const error = await failure(
          clientFrom(standin, { VAULT_TLS_SERVER_NAME: "vault.internal", ...env }).health(),
        );
        expect(error.code).toBe("vault_tls_error");
        expect(error.status).toBe(502);
        expect(error.extra.vault_tls_error).toMatch(
          /UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT/,
        );
        expect(error.message).toMatch(
          /TLS with Vault failed \(\w+\) while checking sys\/health; check VAULT_CACERT/,
        );
      }
    } finally {
      if (previous === undefined) delete process.env.VAULT_SKIP_VERIFY;
      else process.env.VAULT_SKIP_VERIFY = previous;
    }
  });

  it("checks the name: the certificate is for vault.internal, not 127.0.0.1", async () => {
    const error = await failure(clientFrom(standin, { VAULT_CACERT: join(dir, "ca.pem") }).health());
    expect(error.code).toBe("vault_tls_error");
    expect(error.extra.vault_tls_error).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("skips verification only when VAULT_SKIP_VERIFY is true", async () => {
    expect(await clientFrom(standin, { VAULT_SKIP_VERIFY: "true" }).health()).toMatchObject({
      sealed: false,
    });
  });

  it("presents VAULT_CLIENT_CERT and VAULT_CLIENT_KEY to a listener that requires a client certificate", async () => {
    const tls = { VAULT_CACERT: join(dir, "ca.pem"), VAULT_TLS_SERVER_NAME: "vault.internal" };
    const withCert = clientFrom(mutual, {
      ...tls,
      VAULT_CLIENT_CERT: join(dir, "client.pem"),
      VAULT_CLIENT_KEY: join(dir, "client.key"),
    });
    expect((await withCert.lookupSelf()).policies).toEqual(["root"]);
    const error = await failure(clientFrom(mutual, tls).health());
    expect(["vault_tls_error", "vault_unavailable"]).toContain(error.code);
  });

  it("refuses at start a CA file that cannot be read, naming the setting", () => {
    expect(() => clientFrom(standin, { VAULT_CACERT: join(dir, "absent.pem") })).toThrow(
      /VAULT_CACERT: cannot read .*absent\.pem \(ENOENT\)/,
    );
  });
});

describe("headers leash sends to Vault", () => {
  it("sends X-Vault-Request: true on every call and VAULT_NAMESPACE as X-Vault-Namespace", async () => {
    const client = clientFrom(standin, {
      VAULT_SKIP_VERIFY: "true",
      VAULT_NAMESPACE: "team-a/leash",
    });
    const before = standin.requests.length;
    await client.lookupSelf();
    await client.health();
    const sent = standin.requests.slice(before);
    expect(sent.length).toBe(2);
    for (const request of sent) {
      expect(request.headers["x-vault-request"]).toBe("true");
      expect(request.headers["x-vault-namespace"]).toBe("team-a/leash");
    }
  });
});
