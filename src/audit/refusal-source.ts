// Where an unauthenticated request came from, as the unit its refusals are tallied by: an IPv4 address, or an IPv6
// /64 (one host usually holds a whole /64, so counting single IPv6 addresses would let it open 2^64 tallies).
import { isIPv4, isIPv6 } from "node:net";

export function refusalSource(ip: string | undefined): string {
  if (!ip) return "unknown";
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped && isIPv4(mapped[1]!)) return mapped[1]!;
  if (isIPv4(ip)) return ip;
  if (!isIPv6(ip)) return "unknown";
  return `${ipv6Groups(ip.replace(/%.*$/, "")).slice(0, 4).join(":")}::/64`;
}

/** The eight 16-bit groups of a valid IPv6 address, in lower-case hex without leading zeros. */
function ipv6Groups(ip: string): string[] {
  const [head = "", tail] = ip.split("::");
  const part = (text: string) => (text === "" ? [] : text.split(":"));
  // An embedded IPv4 tail (::1.2.3.4) counts as two groups; it only ever lands in the last 64 bits.
  const expand = (groups: string[]) => groups.flatMap((g) => (g.includes(".") ? ["0", "0"] : [g]));
  const left = expand(part(head));
  const right = tail === undefined ? [] : expand(part(tail));
  const zeros = tail === undefined ? [] : Array(8 - left.length - right.length).fill("0");
  return [...left, ...zeros, ...right].map((g) => Number.parseInt(g, 16).toString(16));
}
