// TOTP secrets at rest: AES-256-GCM under keys derived (HKDF-SHA256) from files in `<LEASH_KEYS_DIR>/totp/`.
//
// Each file is 32 random bytes (base64url), mode 0600, named by its key id; the newest id seals, every file opens.
// A sealed secret is `v1.<kid>.<iv>.<ciphertext+tag>` and names its key, so a new key can be added (rotation)
// while secrets sealed under the old one still open until they are sealed again. The human's id is the additional
// authenticated data: a sealed secret copied onto another human's record does not open.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { LeashError } from "../errors/leash-error.ts";
import { checkKeyDirectory } from "./key-directory.ts";

const FORMAT = "v1";
const IV_BYTES = 12;
const TAG_BYTES = 16;
const KID = /^totp-\d{8}T\d{6}Z-[0-9a-f]{8}$/;
const SEALED = /^v1\.(totp-\d{8}T\d{6}Z-[0-9a-f]{8})\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/;
/** HKDF's salt: keys made from one file for other purposes later stay apart from these. */
const HKDF_SALT = "leash totp secrets";

const keyDirError = (message: string) => new LeashError("key_directory_invalid", message);
/** A sealed secret leash cannot open: its key file is gone, or the record was edited. Fail closed. */
const unopenable = (message: string) => new LeashError("totp_secret_unavailable", message);

/** What opening a sealed secret gives: the secret, and whether it should be sealed again under the newest key. */
export interface OpenedTotpSecret {
  secret: string;
  stale: boolean;
}

export class TotpSecretKeys {
  private constructor(
    /** kid → derived AES-256 key. */
    private readonly keys: Map<string, Buffer>,
    readonly activeKid: string,
  ) {}

  static fromMaterial(files: Map<string, Buffer>): TotpSecretKeys {
    const kids = [...files.keys()].sort();
    const active = kids[kids.length - 1];
    if (!active) throw keyDirError("no TOTP secret key");
    const derived = new Map(
      kids.map((kid) => [kid, Buffer.from(hkdfSync("sha256", files.get(kid)!, HKDF_SALT, kid, 32))]),
    );
    return new TotpSecretKeys(derived, active);
  }

  /** Dev mode and tests: one key that lives as long as the process. */
  static ephemeral(): TotpSecretKeys {
    return TotpSecretKeys.fromMaterial(new Map([[newKid(Date.now()), randomBytes(32)]]));
  }

  get kids(): string[] {
    return [...this.keys.keys()];
  }

  seal(humanId: string, secret: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", this.keys.get(this.activeKid)!, iv);
    cipher.setAAD(Buffer.from(humanId, "utf8"));
    const body = Buffer.concat([cipher.update(secret, "utf8"), cipher.final(), cipher.getAuthTag()]);
    return [FORMAT, this.activeKid, iv.toString("base64url"), body.toString("base64url")].join(".");
  }

  /** Throws 503 `totp_secret_unavailable` when it cannot be opened (unknown key, edited, another human's). */
  open(humanId: string, sealed: string): OpenedTotpSecret {
    const parts = SEALED.exec(sealed);
    if (!parts) throw unopenable(`the stored TOTP secret of ${humanId} is not a sealed secret`);
    const [, kid, iv, body] = parts as unknown as [string, string, string, string];
    const key = this.keys.get(kid);
    if (!key)
      throw unopenable(
        `the TOTP secret of ${humanId} is sealed under key ${kid}, which is not in LEASH_KEYS_DIR/totp`,
      );
    const bytes = Buffer.from(body, "base64url");
    if (bytes.length <= TAG_BYTES) throw unopenable(`the stored TOTP secret of ${humanId} is truncated`);
    try {
      const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(iv, "base64url"));
      decipher.setAAD(Buffer.from(humanId, "utf8"));
      decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
      const secret = Buffer.concat([
        decipher.update(bytes.subarray(0, bytes.length - TAG_BYTES)),
        decipher.final(),
      ]).toString("utf8");
      return { secret, stale: kid !== this.activeKid };
    } catch {
      throw unopenable(`the stored TOTP secret of ${humanId} does not open: it was changed or is not theirs`);
    }
  }
}

function newKid(nowMs: number): string {
  const stamp = new Date(nowMs)
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d+Z$/, "Z");
  return `totp-${stamp}-${randomBytes(4).toString("hex")}`;
}

const totpDir = (dir: string) => join(dir, "totp");

async function readKeyFiles(dir: string): Promise<Map<string, Buffer>> {
  for (const directory of [dir, totpDir(dir)]) if (existsSync(directory)) await checkKeyDirectory(directory);
  const names = await readdir(totpDir(dir)).catch(() => [] as string[]);
  const files = new Map<string, Buffer>();
  for (const name of names.filter((n) => n.endsWith(".key")).sort()) {
    const kid = name.slice(0, -".key".length);
    const file = join(totpDir(dir), name);
    if (!KID.test(kid)) throw keyDirError(`${file}: not a TOTP secret key name (totp-<time>-<hex>.key)`);
    const mode = (await stat(file)).mode & 0o777;
    if (mode & 0o077)
      throw keyDirError(
        `${file}: mode ${mode.toString(8)} lets others read a secret key; run chmod 600 ${file}`,
      );
    const material = Buffer.from((await readFile(file, "utf8")).trim(), "base64url");
    if (material.length !== 32) throw keyDirError(`${file}: not 32 bytes of base64url key material`);
    files.set(kid, material);
  }
  return files;
}

async function writeKeyFile(dir: string, nowMs: number): Promise<string> {
  await mkdir(totpDir(dir), { recursive: true, mode: 0o700 });
  const kid = newKid(nowMs);
  const file = join(totpDir(dir), `${kid}.key`);
  // `wx`: never overwrite a key (that would make every secret sealed under it unopenable).
  await writeFile(file, `${randomBytes(32).toString("base64url")}\n`, { mode: 0o600, flag: "wx" });
  await chmod(file, 0o600);
  return kid;
}

/**
 * The TOTP secret keys in `dir`. With none yet, the first is made (what `leash init` and a first `leash serve`
 * do); brokers sharing a key directory should be started after `leash init` so they all find the same one.
 */
export async function loadTotpSecretKeys(dir: string, nowMs: number): Promise<TotpSecretKeys> {
  let files = await readKeyFiles(dir);
  if (files.size === 0) {
    await writeKeyFile(dir, nowMs);
    files = await readKeyFiles(dir);
  }
  return TotpSecretKeys.fromMaterial(files);
}

/** Adds a newer key: it seals from now on (after SIGHUP or restart); the older ones keep opening what they sealed. */
export const rotateTotpSecretKey = (dir: string, nowMs: number): Promise<string> => writeKeyFile(dir, nowMs);
