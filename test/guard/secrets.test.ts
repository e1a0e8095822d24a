// The secret table shared by `leash doctor` and (later) `leash exec`.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runDoctor } from "../../src/guard/doctor.ts";
import { findSecretPattern, isLongLivedSecretVariable, maskSecret } from "../../src/guard/secrets.ts";

// Built at run time so no secret-looking literal sits in the repository.
const aws = `AKIA${"Q".repeat(16)}`;
const github = `ghp_${"a1B2".repeat(9)}`;

describe("isLongLivedSecretVariable", () => {
  it("recognises secret values whatever the name", () => {
    expect(isLongLivedSecretVariable("SOMETHING", aws)).toBe(true);
    expect(isLongLivedSecretVariable("X", github)).toBe(true);
    expect(isLongLivedSecretVariable("X", `sk_live_${"z".repeat(24)}`)).toBe(true);
    expect(isLongLivedSecretVariable("X", `xoxb-${"1".repeat(12)}-abcdef`)).toBe(true);
  });

  it("recognises secret names with real values", () => {
    expect(isLongLivedSecretVariable("STRIPE_SECRET", "abcd1234efgh5678")).toBe(true);
    expect(isLongLivedSecretVariable("DB_PASSWORD", "correct-horse-battery")).toBe(true);
    expect(isLongLivedSecretVariable("RAILWAY_TOKEN", "4f3c2b1a-0000-1111-2222-333344445555")).toBe(true);
    expect(isLongLivedSecretVariable("DATABASE_URL", "postgres://app:s3cret@db.internal:5432/app")).toBe(
      true,
    );
  });

  it("leaves placeholders, references and harmless variables alone", () => {
    expect(isLongLivedSecretVariable("API_TOKEN", "")).toBe(false);
    expect(isLongLivedSecretVariable("API_TOKEN", "changeme")).toBe(false);
    expect(isLongLivedSecretVariable("API_TOKEN", "$" + "{API_TOKEN}")).toBe(false);
    expect(isLongLivedSecretVariable("API_TOKEN", "op://vault/item/token")).toBe(false);
    expect(isLongLivedSecretVariable("DATABASE_URL", "postgres://db.internal:5432/app")).toBe(false);
    expect(isLongLivedSecretVariable("HOME", "/home/app")).toBe(false);
    expect(isLongLivedSecretVariable("PATH", "/usr/bin:/bin")).toBe(false);
  });
});

describe("secret patterns", () => {
  it("finds private key blocks", () => {
    expect(findSecretPattern("-----BEGIN OPENSSH PRIVATE KEY-----")?.pattern.kind).toBe("private-key");
  });

  it("masks all but four characters", () => {
    expect(maskSecret(aws)).toBe(`AKIA${"*".repeat(12)}`);
    expect(maskSecret(aws)).not.toContain("QQQQ");
    expect(maskSecret("abc")).toBe("***");
  });
});

describe("leash's own keys", () => {
  const agentKey = `lsk_${"A1b2_C3d-".repeat(4)}abcdefg`;
  const humanKey = `lsh_${"z".repeat(43)}`;

  it("are found whatever the variable's name, and inside text", () => {
    expect(agentKey).toHaveLength(47);
    expect(isLongLivedSecretVariable("BOOTSTRAP", agentKey)).toBe(true);
    expect(isLongLivedSecretVariable("X", humanKey)).toBe(true);
    expect(findSecretPattern(`curl -H "authorization: Bearer ${humanKey}"`)?.pattern.kind).toBe(
      "leash-api-key",
    );
    expect(findSecretPattern(`key=${agentKey}\n`)?.match).toBe(agentKey);
  });

  it("are not confused with shorter or longer look-alikes", () => {
    expect(findSecretPattern(`lsk_${"a".repeat(42)}`)).toBeNull();
    expect(findSecretPattern(`lsk_${"a".repeat(44)}`)).toBeNull();
    expect(findSecretPattern(`xlsh_${"a".repeat(43)}`)).toBeNull();
    expect(isLongLivedSecretVariable("NOTE", "lsk_… from leash dev's output")).toBe(false);
  });
});

describe("leash doctor in CI", () => {
  const agentKey = `lsk_${"Q9w8_E7r-".repeat(4)}abcdefg`;
  const emptyDir = () => mkdtempSync(join(tmpdir(), "leash-doctor-"));

  it("recommends workload identity for an agent key found in a CI job's environment, and only there", () => {
    const inCi = runDoctor({ dir: emptyDir(), home: null, env: { GITHUB_ACTIONS: "true", BOOT: agentKey } });
    expect(inCi).toHaveLength(1);
    expect(inCi[0]!.fix).toContain("leash token --oidc github-actions");
    const onLaptop = runDoctor({ dir: emptyDir(), home: null, env: { BOOT: agentKey } });
    expect(onLaptop[0]!.fix).not.toContain("--oidc");
    const humanKeyInCi = runDoctor({
      dir: emptyDir(),
      home: null,
      env: { CI: "1", K: agentKey.replace("lsk_", "lsh_") },
    });
    expect(humanKeyInCi[0]!.fix).not.toContain("--oidc");
  });
});
