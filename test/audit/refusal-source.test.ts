// The unit refusals are tallied by: an IPv4 address, or the /64 of an IPv6 address (a host holds a whole /64).
import { describe, expect, it } from "vitest";
import { refusalSource } from "../../src/audit/refusal-source.ts";
import { boundedText } from "../../src/audit/unauthenticated-refusals.ts";

describe("refusalSource", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:db8:1:2:ffff:ffff:ffff:ffff", "2001:db8:1:2::/64"],
    ["2001:0db8:0001:0002::1", "2001:db8:1:2::/64"],
    ["2001:db8::1", "2001:db8:0:0::/64"],
    ["::1", "0:0:0:0::/64"],
    ["fe80::1%eth0", "fe80:0:0:0::/64"],
    ["::ffff:1.2.3.4.5", "unknown"],
    ["not an address", "unknown"],
    [undefined, "unknown"],
  ])("%s → %s", (ip, source) => {
    expect(refusalSource(ip)).toBe(source);
  });

  it("every address of one /64 is one source", () => {
    const sources = new Set(
      Array.from({ length: 50 }, (_, i) => refusalSource(`2001:db8:aa:bb:${i.toString(16)}::${i + 1}`)),
    );
    expect([...sources]).toEqual(["2001:db8:aa:bb::/64"]);
  });
});

describe("boundedText", () => {
  it("keeps short text and cuts long text at a bound, saying how long it was", () => {
    expect(boundedText("volume:read")).toBe("volume:read");
    const cut = boundedText("x".repeat(1024))!;
    expect(cut).toBe(`${"x".repeat(64)}…(1024 characters)`);
    // Cut on characters, never inside a surrogate pair.
    const emoji = boundedText("😀".repeat(100))!;
    expect(emoji.isWellFormed()).toBe(true);
    expect(emoji.startsWith("😀".repeat(64))).toBe(true);
  });
});
