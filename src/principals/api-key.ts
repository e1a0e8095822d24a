// API keys: `lsk_…` for agents, `lsh_…` for humans. Shown once, stored only as a SHA-256 hash.
import { hash, randomBytes, timingSafeEqual } from "node:crypto";
import type { PrincipalKind } from "../store/targets.ts";

const PREFIX: Record<PrincipalKind, string> = { agent: "lsk_", human: "lsh_" };
const KEY_SHAPE = /^(lsk|lsh)_[A-Za-z0-9_-]{43}$/;

export function generateApiKey(kind: PrincipalKind): string {
  return `${PREFIX[kind]}${randomBytes(32).toString("base64url")}`;
}

/** One-shot (no Hash object): every API-key call pays it, and it costs half of createHash's for a key this short. */
export function hashApiKey(key: string): string {
  return hash("sha256", key, "hex");
}

/** The kind a key claims to be by its prefix, or null when it is not shaped like a leash key. */
export function apiKeyKind(key: string): PrincipalKind | null {
  if (!KEY_SHAPE.test(key)) return null;
  return key.startsWith(PREFIX.agent) ? "agent" : "human";
}

export function sameKeyHash(a: string, b: string): boolean {
  const left = Buffer.from(a, "hex");
  const right = Buffer.from(b, "hex");
  return left.length === right.length && timingSafeEqual(left, right);
}
