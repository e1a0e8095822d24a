// The lease revoker's loop on the memory store, with a Vault that fails on demand: retries with backoff, acks once.
import { setTimeout as sleep } from "node:timers/promises";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { ManualClock } from "../../src/clock/clock.ts";
import { LeaseRevoker, revocationBackoffMs } from "../../src/credentials/lease-revoker.ts";
import { LeashError } from "../../src/errors/leash-error.ts";
import { MemoryStore } from "../../src/store/memory/memory-store.ts";
import type { VaultCredentialsClient } from "../../src/vault/vault-client.ts";

/** Records revocations; fails while `down`. */
class FakeVault {
  down = false;
  revoked: string[] = [];
  calls = 0;
  async revokeLease(leaseId: string): Promise<void> {
    this.calls++;
    if (this.down) throw new LeashError("vault_unavailable", "Vault is unavailable (ECONNREFUSED)");
    this.revoked.push(leaseId);
  }
}

function setup() {
  const clock = new ManualClock(Date.now());
  const store = new MemoryStore(clock);
  const vault = new FakeVault();
  const revoker = new LeaseRevoker(
    {
      leases: store.leases,
      vault: vault as unknown as VaultCredentialsClient,
      clock,
      logger: pino({ level: "silent" }),
    },
    { baseBackoffMs: 1000, maxBackoffMs: 8000, visibilityMs: 60_000 },
  );
  return { clock, store, vault, revoker };
}

describe("revocationBackoffMs", () => {
  it("doubles from the base per attempt, up to the cap, within ±20%", () => {
    expect([1, 2, 3, 4, 5, 10].map((attempt) => revocationBackoffMs(attempt, 500, 4000, () => 0.5))).toEqual([
      500, 1000, 2000, 4000, 4000, 4000,
    ]);
    expect(revocationBackoffMs(2, 500, 4000, () => 0)).toBe(800);
    expect(revocationBackoffMs(2, 500, 4000, () => 1)).toBe(1200);
  });
});

describe("LeaseRevoker", () => {
  it("retries a failed revocation after its backoff, then acks it once Vault answers", async () => {
    const { clock, store, vault, revoker } = setup();
    await store.leases.enqueueLease("staging", "database/creds/staging-readwrite/a", clock.now());
    vault.down = true;
    expect(await revoker.runOnce()).toEqual({ revoked: 0, failed: 1 });
    // Not yet due again: the backoff (≥ 800 ms for the first retry) holds it back.
    expect(await revoker.runOnce()).toEqual({ revoked: 0, failed: 0 });
    expect(await store.leases.backlog()).toEqual({ queued: 1, attempted: 1, scheduled: 0 });

    vault.down = false;
    clock.advance(1_200);
    expect(await revoker.runOnce()).toEqual({ revoked: 1, failed: 0 });
    expect(vault.revoked).toEqual(["database/creds/staging-readwrite/a"]);
    expect(await store.leases.backlog()).toEqual({ queued: 0, attempted: 0, scheduled: 0 });
    clock.advance(120_000);
    expect(await revoker.runOnce()).toEqual({ revoked: 0, failed: 0 });
  });

  it("revokes a scheduled lease when its token expires, not before", async () => {
    const { clock, store, vault, revoker } = setup();
    const now = clock.now();
    await store.leases.record(
      {
        leaseId: "database/creds/staging-readwrite/b",
        env: "staging",
        task: "t",
        jti: "j",
        agent: "a",
        scope: "s",
        path: "database/creds/staging-readwrite",
        issuedAtMs: now,
        vaultExpiresAt: now + 900_000,
        expiresAt: now + 60_000,
      },
      { revokeAt: now + 60_000, nowMs: now },
    );
    clock.advance(59_999);
    await revoker.runOnce();
    expect(vault.calls).toBe(0);
    clock.advance(1);
    expect(await revoker.runOnce()).toEqual({ revoked: 1, failed: 0 });
    expect(vault.revoked).toEqual(["database/creds/staging-readwrite/b"]);
  });

  it("runs on its own once started and stops cleanly", async () => {
    const { clock, store, vault, revoker } = setup();
    await store.leases.enqueueLease("staging", "database/creds/staging-readwrite/c", clock.now());
    revoker.start();
    const deadline = Date.now() + 5_000;
    while (vault.revoked.length === 0 && Date.now() < deadline) {
      await sleep(20);
    }
    await revoker.stop();
    expect(vault.revoked).toEqual(["database/creds/staging-readwrite/c"]);
    await store.leases.enqueueLease("staging", "database/creds/staging-readwrite/d", clock.now());
    await sleep(700);
    expect(vault.revoked).toHaveLength(1);
  });

  it("fails a pass with store_unavailable when the store is down (the loop logs it and tries again)", async () => {
    const { store, revoker } = setup();
    await store.close();
    await expect(revoker.runOnce()).rejects.toMatchObject({ code: "store_unavailable" });
  });
});
