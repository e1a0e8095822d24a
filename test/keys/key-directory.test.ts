// Private keys on disk: created 0600, refused when readable by others or in a directory others may write into or own,
// rotated with the old public key still published.
import { chmod, chown, mkdir, mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initKeyDirectory, loadKeyRings, rotateEnvironmentKey } from "../../src/keys/key-directory.ts";
import { loadTotpSecretKeys } from "../../src/keys/totp-secret-keys.ts";
import { runCli } from "../helpers/cli.ts";

const HOUR = 3_600_000;
const newDir = async () => join(await mkdtemp(join(tmpdir(), "leash-keys-")), "keys");

describe("key directory", () => {
  it("creates one 0600 key per environment, once", async () => {
    const dir = await newDir();
    const created = await initKeyDirectory(dir, ["staging", "production"], "EdDSA", Date.now());
    expect(created).toHaveLength(2);
    expect(await initKeyDirectory(dir, ["staging", "production"], "EdDSA", Date.now())).toEqual([]);
    for (const env of ["staging", "production"]) {
      const [file] = await readdir(join(dir, env));
      expect((await stat(join(dir, env, file!))).mode & 0o777).toBe(0o600);
    }
    const rings = await loadKeyRings(dir, ["staging", "production"], HOUR);
    expect(rings.get("staging")!.active.kid).not.toBe(rings.get("production")!.active.kid);
  });

  it("refuses to load a private key others can read, naming the file and the fix", async () => {
    const dir = await newDir();
    await initKeyDirectory(dir, ["staging"], "ES256", Date.now());
    const [file] = await readdir(join(dir, "staging"));
    await chmod(join(dir, "staging", file!), 0o644);
    await expect(loadKeyRings(dir, ["staging"], HOUR)).rejects.toThrow(/mode 644 .*chmod 600/);
  });

  it("refuses a missing directory or environment with the command that fixes it", async () => {
    const dir = await newDir();
    await expect(loadKeyRings(dir, ["staging"], HOUR)).rejects.toThrow(/leash keys init --dir/);
    await initKeyDirectory(dir, ["staging"], "EdDSA", Date.now());
    await expect(loadKeyRings(dir, ["staging", "production"], HOUR)).rejects.toThrow(
      /no active signing key for environment production/,
    );
  });

  it("rotation signs with the new key and keeps the old public key until the longest ttl has passed", async () => {
    const dir = await newDir();
    const start = Date.now();
    await initKeyDirectory(dir, ["production"], "EdDSA", start);
    const before = (await loadKeyRings(dir, ["production"], HOUR)).get("production")!;
    const rotated = await rotateEnvironmentKey(dir, "production", "EdDSA", start + 1000);
    expect(rotated.retired).toEqual([before.active.kid]);
    const after = (await loadKeyRings(dir, ["production"], HOUR)).get("production")!;
    expect(after.active.kid).toBe(rotated.created);
    expect(
      after
        .jwks(start + 2000)
        .keys.map((k) => k.kid)
        .sort(),
    ).toEqual([before.active.kid, rotated.created].sort());
    expect(after.jwks(start + 1000 + HOUR + 1).keys.map((k) => k.kid)).toEqual([rotated.created]);
  });

  it("`leash keys init` and `leash keys rotate` work from the command line", async () => {
    const dir = await newDir();
    const init = await runCli(["keys", "init", "--dir", dir]);
    expect(init.code).toBe(0);
    expect(init.stdout).toMatch(/created staging-.*production-/);
    const rotate = await runCli(["keys", "rotate", "--env", "staging", "--dir", dir]);
    expect(rotate.code).toBe(0);
    expect(rotate.stdout).toMatch(/created staging-\S+; retired staging-/);
  });

  it("refuses a key directory any user may write into, from the command line too, and writes no key there", async () => {
    const dir = await newDir();
    await mkdir(dir, { mode: 0o700 });
    await chmod(dir, 0o777);
    const init = await runCli(["keys", "init", "--dir", dir]);
    expect(init.code).not.toBe(0);
    expect(init.stderr).toMatch(
      /mode 777 lets any user write keys into it; run chmod o-w .*key_directory_invalid/,
    );
    expect(await readdir(dir)).toEqual([]);
    await chmod(dir, 0o700);
    expect((await runCli(["keys", "init", "--dir", dir])).code).toBe(0);
    // An environment's directory, or the TOTP keys', that any user may write into is refused wherever it is read.
    await chmod(join(dir, "staging"), 0o777);
    await expect(loadKeyRings(dir, ["staging"], HOUR)).rejects.toThrow(
      /staging: mode 777 lets any user write/,
    );
    await expect(rotateEnvironmentKey(dir, "staging", "EdDSA", Date.now())).rejects.toThrow(/mode 777/);
    await chmod(join(dir, "staging"), 0o700);
    await chmod(join(dir, "totp"), 0o733);
    await expect(loadTotpSecretKeys(dir, Date.now())).rejects.toThrow(/totp: mode 733 lets any user write/);
    await chmod(join(dir, "totp"), 0o700);
    await loadKeyRings(dir, ["staging", "production"], HOUR);
    await loadTotpSecretKeys(dir, Date.now());
  });

  it.runIf(process.getuid?.() === 0)("refuses a key directory another user owns", async () => {
    const dir = await newDir();
    await initKeyDirectory(dir, ["staging"], "EdDSA", Date.now());
    await chown(join(dir, "staging"), 65534, 65534);
    await expect(loadKeyRings(dir, ["staging"], HOUR)).rejects.toThrow(
      /belongs to another user \(uid 65534\)/,
    );
  });
});
