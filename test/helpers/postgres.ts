// The local PostgreSQL for tests: the per-environment databases Vault's database engine issues logins for, and a login check.

import { createHash, createHmac, pbkdf2Sync, timingSafeEqual } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import pg from "pg";

export const PG_HOST = process.env.LEASH_TEST_PGHOST ?? "127.0.0.1";
export const PG_PORT = Number(process.env.LEASH_TEST_PGPORT ?? 5432);
export const PG_ADMIN_USER = process.env.LEASH_TEST_PGUSER ?? "postgres";

export interface EnvironmentDatabases {
  staging: string;
  production: string;
}

/** Fixed names, shared by every run: creating them is idempotent and generated roles are unique anyway. */
export const ENVIRONMENT_DATABASES: EnvironmentDatabases = {
  staging: "leash_staging",
  production: "leash_production",
};

/** A connection URL as the admin user, in the form Vault's `connection_url` takes (`{{username}}` and all). */
export function adminConnectionUrl(database: string, options: { vaultTemplate?: boolean } = {}): string {
  const user = options.vaultTemplate ? "{{username}}" : encodeURIComponent(PG_ADMIN_USER);
  const password = options.vaultTemplate ? ":{{password}}" : "";
  return `postgresql://${user}${password}@${PG_HOST}:${PG_PORT}/${encodeURIComponent(database)}`;
}

/**
 * Creates `leash_staging` and `leash_production` if absent and, as deploy/postgres/init.sql does, revokes CONNECT
 * from PUBLIC on each so only roles granted CONNECT on a database can log in to it.
 */
export async function createEnvironmentDatabases(): Promise<EnvironmentDatabases> {
  for (const database of Object.values(ENVIRONMENT_DATABASES)) {
    await createDatabase(database);
    await asAdmin("postgres", (client) =>
      client.query(`REVOKE CONNECT ON DATABASE ${quoteIdent(database)} FROM PUBLIC`),
    );
  }
  return { ...ENVIRONMENT_DATABASES };
}

async function createDatabase(database: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    try {
      await asAdmin("postgres", (client) => client.query(`CREATE DATABASE ${quoteIdent(database)}`));
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === "42P04" || code === "23505") return; // already exists (or created concurrently)
      // Another run creating a database at the same moment holds template1: wait and retry.
      if (code === "55006" && attempt < 20) {
        await sleep(100 + attempt * 50);
        continue;
      }
      throw error;
    }
  }
}

export async function asAdmin<T>(database: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({
    connectionString: adminConnectionUrl(database),
    connectionTimeoutMillis: 5_000,
  });
  client.on("error", () => {});
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end().catch(() => {});
  }
}

export async function roleExists(name: string): Promise<boolean> {
  const found = await asAdmin("postgres", (client) =>
    client.query("SELECT 1 FROM pg_roles WHERE rolname = $1", [name]),
  );
  return (found.rowCount ?? 0) > 0;
}

/** PostgreSQL's answers that mean "this login is refused" rather than "the server is broken". */
const LOGIN_REFUSED = new Set([
  "28P01", // invalid_password
  "28000", // invalid_authorization_specification: no such role, role cannot log in, no pg_hba entry
  "42501", // insufficient_privilege: no CONNECT on the database
]);

/**
 * Whether `user` can log in to `database` with `password` and run a query.
 * The test server may use `trust` authentication for 127.0.0.1, where PostgreSQL checks neither the password nor
 * `VALID UNTIL`: so after a real connection succeeds, the password is also checked against the role's stored
 * SCRAM (or md5) verifier and its VALID UNTIL, which is what password authentication would do.
 * A server that cannot be reached is an error, not a refused login.
 */
export async function canLogin(user: string, password: string, database: string): Promise<boolean> {
  const client = new pg.Client({
    host: PG_HOST,
    port: PG_PORT,
    user,
    password,
    database,
    connectionTimeoutMillis: 5_000,
  });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
  } catch (error) {
    const code = (error as { code?: string }).code;
    if (code !== undefined && LOGIN_REFUSED.has(code)) return false;
    throw error;
  } finally {
    await client.end().catch(() => {});
  }
  return passwordAuthenticationWouldAccept(user, password);
}

async function passwordAuthenticationWouldAccept(user: string, password: string): Promise<boolean> {
  const found = await asAdmin("postgres", (client) =>
    client.query<{ rolpassword: string | null; expired: boolean }>(
      "SELECT rolpassword, coalesce(rolvaliduntil < now(), false) AS expired FROM pg_authid WHERE rolname = $1",
      [user],
    ),
  );
  const row = found.rows[0];
  if (!row || row.expired || row.rolpassword === null) return false;
  return verifierMatches(row.rolpassword, user, password);
}

/** Checks a password against a pg_authid verifier: `SCRAM-SHA-256$<iter>:<salt>$<StoredKey>:<ServerKey>` or md5. */
function verifierMatches(verifier: string, user: string, password: string): boolean {
  const scram = /^SCRAM-SHA-256\$(\d+):([^$]+)\$([^:]+):(.+)$/.exec(verifier);
  if (scram) {
    const [, iterations, salt, storedKey, serverKey] = scram;
    const salted = pbkdf2Sync(
      password.normalize("NFKC"),
      Buffer.from(salt!, "base64"),
      Number(iterations),
      32,
      "sha256",
    );
    const clientKey = createHmac("sha256", salted).update("Client Key").digest();
    const expectedStored = createHash("sha256").update(clientKey).digest();
    const expectedServer = createHmac("sha256", salted).update("Server Key").digest();
    return (
      timingSafeEqual(expectedStored, Buffer.from(storedKey!, "base64")) &&
      timingSafeEqual(expectedServer, Buffer.from(serverKey!, "base64"))
    );
  }
  if (verifier.startsWith("md5")) {
    return (
      verifier ===
      `md5${createHash("md5")
        .update(password + user)
        .digest("hex")}`
    );
  }
  return false;
}

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;
