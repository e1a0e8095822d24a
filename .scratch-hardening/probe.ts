import { base64url } from "jose";
import { verifyTaskToken, TokenVerificationError } from "../src/client/verify-task-token.ts";
import { ephemeralKeyRings } from "../src/keys/key-directory.ts";
import { mintTaskToken } from "../src/tokens/mint-task-token.ts";
const NOW = Date.now();
const rings = await ephemeralKeyRings(["staging", "production"], NOW);
const ring = rings.get("staging")!;
const { token } = await mintTaskToken(ring, { issuer: "http://i", env: "staging", agentId: "a", scopeId: "s", actions: ["volume:read"], resources: ["x"], extraAudiences: [], task: "t", intent: "i", generation: "g", ttlMs: 60000, nowMs: NOW });
const v = async (name: string, t: string) => {
  try { await verifyTaskToken(t, { environment: "staging", jwks: ring.jwks(NOW), issuer: "http://i", now: new Date(NOW + 1000) }); console.log(name, "ACCEPTED"); }
  catch (e) { console.log(name, e instanceof TokenVerificationError ? e.code : e); }
};
const [h, p, s] = token.split(".");
await v("valid", token);
await v("sig padded", `${h}.${p}.${s}==`);
await v("sig pad1", `${h}.${p}.${s}=`);
await v("sig ws", `${h}.${p}.${s!.slice(0, 10)} ${s!.slice(10)}`);
await v("sig newline", `${h}.${p}.${s!.slice(0, 10)}\n${s!.slice(10)}`);
await v("sig std b64", `${h}.${p}.${s!.replace(/-/g, "+").replace(/_/g, "/")}`);
const last = s!.at(-1)!; const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const idx = alphabet.indexOf(last); const alt = alphabet[idx ^ 1]!;
await v("sig noncanonical last char", `${h}.${p}.${s!.slice(0, -1)}${alt}`);
await v("payload padded", `${h}.${p}==.${s}`);
await v("header padded", `${h}==.${p}.${s}`);
await v("trailing dot", `${token}.`);
await v("leading ws", ` ${token}`);
await v("trailing ws", `${token} `);
