import { describe, expect, it } from "vitest";
import type { TaskTokenClaims } from "../../src/tokens/claims.ts";
import { VerifiedTokenCache } from "../../src/tokens/verify-cache.ts";

const claims = (jti: string, exp = 2_000_000_000) => ({ jti, nbf: 1_000, exp }) as unknown as TaskTokenClaims;
const NOW = 1_500_000_000_000;

describe("VerifiedTokenCache", () => {
  it("answers only for the very token it holds, even when another shares its signature", () => {
    const cache = new VerifiedTokenCache();
    cache.set("header.payload.signature", claims("a"));
    expect(cache.get(`header.${"payload"}.signature`, NOW)?.jti).toBe("a");
    // The signature is only how an entry is found: a token whose other parts differ is not the one verified.
    expect(cache.get("header.payloaX.signature", NOW)).toBeUndefined();
    expect(cache.get("headeX.payload.signature", NOW)).toBeUndefined();
    expect(cache.get("header.payload.signaturf", NOW)).toBeUndefined();
    // The verified token is still found after the lookalikes.
    expect(cache.get("header.payload.signature", NOW)?.jti).toBe("a");
  });

  it("forgets a token once it has expired or is not yet valid", () => {
    const cache = new VerifiedTokenCache();
    cache.set("h.p.s1", claims("expiring", NOW / 1000));
    expect(cache.get("h.p.s1", NOW)).toBeUndefined();
    cache.set("h.p.s2", claims("later"));
    expect(cache.get("h.p.s2", 999_000)).toBeUndefined();
    expect(cache.get("h.p.s2", NOW)).toBeUndefined();
  });
});
