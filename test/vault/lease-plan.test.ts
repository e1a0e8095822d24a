// A Vault lease never outlives the task token it was issued with.
import { describe, expect, it } from "vitest";
import { planLeaseEnd } from "../../src/vault/lease-plan.ts";

const now = 1_700_000_000_000;
const minutes = (n: number) => n * 60_000;

describe("planLeaseEnd", () => {
  it("revokes at the token's expiry a lease Vault would keep longer", () => {
    expect(planLeaseEnd({ expiresAt: now + minutes(60), renewable: true }, now + minutes(15), now)).toEqual({
      action: "revoke_at",
      at: now + minutes(15),
    });
  });

  it("renews a shorter renewable lease up to the token's expiry, in whole seconds", () => {
    expect(
      planLeaseEnd({ expiresAt: now + minutes(5), renewable: true }, now + minutes(15) + 999, now),
    ).toEqual({
      action: "renew",
      before: now + minutes(5),
      incrementMs: minutes(15),
    });
  });

  it("lets a shorter lease that cannot be renewed expire by itself", () => {
    expect(planLeaseEnd({ expiresAt: now + minutes(5), renewable: false }, now + minutes(15), now)).toEqual({
      action: "expire",
      at: now + minutes(5),
    });
  });

  it("lets a lease ending with the token expire", () => {
    expect(planLeaseEnd({ expiresAt: now + minutes(15), renewable: true }, now + minutes(15), now)).toEqual({
      action: "expire",
      at: now + minutes(15),
    });
  });

  it("does not renew when less than a second of token is left or the lease is already over", () => {
    expect(planLeaseEnd({ expiresAt: now + 100, renewable: true }, now + 900, now).action).toBe("expire");
    expect(planLeaseEnd({ expiresAt: now - 1, renewable: true }, now + minutes(1), now).action).toBe(
      "expire",
    );
  });

  it("never plans an end after the token's expiry", () => {
    for (const leaseMinutes of [1, 5, 14, 15, 16, 60, 24 * 60]) {
      for (const renewable of [true, false]) {
        const tokenExp = now + minutes(15);
        const plan = planLeaseEnd({ expiresAt: now + minutes(leaseMinutes), renewable }, tokenExp, now);
        const end = plan.action === "renew" ? now + plan.incrementMs : plan.at;
        expect(end).toBeLessThanOrEqual(tokenExp);
      }
    }
  });
});
