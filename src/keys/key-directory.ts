// Private keys on disk: `<dir>/<env>/<kid>.json`, one JWK file per key, mode 0600, refused when group/world readable,
// in directories refused when any user may write into them or another user owns them.
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { SigningAlgorithm } from "../config/signing-algorithms.ts";
import { LeashError } from "../errors/leash-error.ts";
import { EnvironmentKeyRing, KeyRings } from "./key-ring.ts";
import {
  fromStoredKey,
  generateSigningKey,
  type SigningKey,
  storedKeySchema,
  toStoredKey,
} from "./signing-key.ts";

const keyDirError = (message: string) => new LeashError("key_directory_invalid", message);

/**
 * A directory that holds keys, refused when another user could put a key of theirs into it: one any user may write
 * into (they could add a signing key, which the broker would sign with and publish, or swap an environment's directory
 * for theirs), or one another user owns. Root's are accepted, as a mounted volume's are; a group that may write is
 * the operator's choice (a volume shared with the broker's group).
 */
export async function checkKeyDirectory(dir: string): Promise<void> {
  const info = await stat(dir);
  if (!info.isDirectory()) throw keyDirError(`${dir} is not a directory`);
  const mode = info.mode & 0o777;
  if (mode & 0o002)
    throw keyDirError(
      `${dir}: mode ${mode.toString(8)} lets any user write keys into it; run chmod o-w ${dir}`,
    );
  const uid = process.getuid?.();
  if (uid !== undefined && info.uid !== uid && info.uid !== 0)
    throw keyDirError(`${dir} belongs to another user (uid ${info.uid}), who could put keys into it`);
}

async function readEnvironmentKeys(dir: string, env: string): Promise<SigningKey[]> {
  const envDir = join(dir, env);
  if (existsSync(envDir)) await checkKeyDirectory(envDir);
  const names = await readdir(envDir).catch(() => [] as string[]);
  const keys: SigningKey[] = [];
  for (const name of names.filter((n) => n.endsWith(".json")).sort()) {
    const file = join(envDir, name);
    const mode = (await stat(file)).mode & 0o777;
    if (mode & 0o077) {
      throw keyDirError(
        `${file}: mode ${mode.toString(8)} lets others read a private key; run chmod 600 ${file}`,
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(await readFile(file, "utf8"));
    } catch {
      throw keyDirError(`${file}: not valid JSON`);
    }
    const parsed = storedKeySchema.safeParse(json);
    if (!parsed.success)
      throw keyDirError(`${file}: not a leash key file (${parsed.error.issues[0]?.message})`);
    keys.push(await fromStoredKey(parsed.data));
  }
  return keys;
}

async function writeKey(dir: string, key: SigningKey): Promise<void> {
  const envDir = join(dir, key.env);
  await mkdir(envDir, { recursive: true, mode: 0o700 });
  const file = join(envDir, `${key.kid}.json`);
  await writeFile(file, `${JSON.stringify(await toStoredKey(key), null, 2)}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
}

/** Loads every environment's key ring; an environment without keys is an error naming the fix. */
export async function loadKeyRings(
  dir: string,
  environments: string[],
  publishRetiredForMs: number,
): Promise<KeyRings> {
  const dirMode = (await stat(dir).catch(() => null))?.mode;
  if (dirMode === undefined)
    throw keyDirError(`key directory ${dir} does not exist; run leash keys init --dir ${dir}`);
  await checkKeyDirectory(dir);
  const rings = new Map<string, EnvironmentKeyRing>();
  for (const env of environments) {
    const keys = await readEnvironmentKeys(dir, env);
    if (!keys.some((key) => key.retiredAt === undefined)) {
      throw keyDirError(
        `no active signing key for environment ${env} in ${dir}; run leash keys init --dir ${dir}`,
      );
    }
    rings.set(env, new EnvironmentKeyRing(env, keys, publishRetiredForMs));
  }
  return new KeyRings(rings);
}

/** Creates a key for every environment that has none; returns the kids it created. */
export async function initKeyDirectory(
  dir: string,
  environments: string[],
  alg: SigningAlgorithm,
  nowMs: number,
): Promise<string[]> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  // mkdir leaves a directory that was already there as it is.
  await checkKeyDirectory(dir);
  const created: string[] = [];
  for (const env of environments) {
    const keys = await readEnvironmentKeys(dir, env);
    if (keys.some((key) => key.retiredAt === undefined)) continue;
    const key = await generateSigningKey(env, alg, nowMs);
    await writeKey(dir, key);
    created.push(key.kid);
  }
  return created;
}

/** Makes a new active key for one environment and retires the previous ones (their public halves stay published). */
export async function rotateEnvironmentKey(
  dir: string,
  env: string,
  alg: SigningAlgorithm,
  nowMs: number,
): Promise<{ created: string; retired: string[] }> {
  await checkKeyDirectory(dir);
  const keys = await readEnvironmentKeys(dir, env);
  const key = await generateSigningKey(env, alg, nowMs);
  await writeKey(dir, key);
  const retired: string[] = [];
  for (const old of keys.filter((k) => k.retiredAt === undefined)) {
    await writeKey(dir, { ...old, retiredAt: nowMs });
    retired.push(old.kid);
  }
  return { created: key.kid, retired };
}

/** Dev mode: one ephemeral key per environment, never written anywhere. */
export async function ephemeralKeyRings(environments: string[], nowMs: number): Promise<KeyRings> {
  const rings = new Map<string, EnvironmentKeyRing>();
  for (const env of environments) {
    rings.set(env, new EnvironmentKeyRing(env, [await generateSigningKey(env, "EdDSA", nowMs)], 0));
  }
  return new KeyRings(rings);
}
