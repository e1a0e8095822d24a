// Private keys on disk: created 0600, refused when readable by others, rotated with the old public key still published.
import { chmod, mkdtemp, readdir, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initKeyDirectory, loadKeyRings, rotateEnvironmentKey } from "../../src/keys/key-directory.ts";
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
});
