// Baseline: the authorize route a competent team would write instead of running leash. Fastify without a logger,
// @fastify/jwt (fast-jwt) verifying the task token against the environment's public key (issuer, audience, expiry),
// with fast-jwt's verified-token cache when DIY_VERIFY_CACHE=1, then one EVALSHA that checks a revocation marker and
// counts the call in a sliding window. No audit, no approvals, one window, no generation or lock checks.
//
// Environment: PORT, REDIS_URL, DIY_PUBLIC_JWK (the environment's public JWK, JSON), DIY_ISSUER, DIY_AUDIENCE,
// DIY_VERIFY_CACHE ("1" or "0").
import { createPublicKey } from "node:crypto";
import jwt from "@fastify/jwt";
import Fastify from "fastify";
import { Redis } from "ioredis";

const port = Number(process.env.PORT ?? 0);
const cache = process.env.DIY_VERIFY_CACHE === "1";
const publicKey = createPublicKey({ key: JSON.parse(process.env.DIY_PUBLIC_JWK ?? "{}"), format: "jwk" })
  .export({ type: "spki", format: "pem" })
  .toString();

/** KEYS: the jti's revocation marker, the task's window. ARGV: now ms, window ms, max, this call's member. */
const WINDOW_AND_REVOCATION_LUA = `
if redis.call('EXISTS', KEYS[1]) == 1 then return 'revoked' end
local now = tonumber(ARGV[1])
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now - tonumber(ARGV[2]))
if redis.call('ZCARD', KEYS[2]) >= tonumber(ARGV[3]) then return 'rate_limited' end
redis.call('ZADD', KEYS[2], now, ARGV[4])
redis.call('PEXPIRE', KEYS[2], ARGV[2])
return 'ok'
`;

const redis = new Redis(process.env.REDIS_URL ?? "redis://127.0.0.1:6379", { enableAutoPipelining: true });
redis.defineCommand("authorizeCall", { numberOfKeys: 2, lua: WINDOW_AND_REVOCATION_LUA });
const authorizeCall = (
  redis as unknown as Record<string, (...args: string[]) => Promise<string>>
).authorizeCall!.bind(redis);

interface AuthorizeBody {
  token: string;
  action: string;
  resource: string;
}
interface Claims {
  jti: string;
  task: string;
  scope: string;
}

const app = Fastify({ logger: false });
await app.register(jwt, {
  secret: { public: publicKey },
  verify: {
    algorithms: ["EdDSA"],
    allowedIss: process.env.DIY_ISSUER,
    allowedAud: process.env.DIY_AUDIENCE,
    extractToken: (request) => (request.body as AuthorizeBody).token,
    ...(cache ? { cache: 10_000 } : {}),
  },
});

let sequence = 0;
app.post<{ Body: AuthorizeBody }>(
  "/v1/authorize",
  {
    schema: {
      body: {
        type: "object",
        required: ["token", "action", "resource"],
        properties: {
          token: { type: "string", minLength: 1, maxLength: 8192 },
          action: { type: "string", minLength: 1, maxLength: 128 },
          resource: { type: "string", minLength: 1, maxLength: 1024 },
        },
      },
      response: {
        200: { type: "object", properties: { allow: { type: "boolean" }, reason: { type: "string" } } },
      },
    },
  },
  async (request, reply) => {
    let claims: Claims;
    try {
      claims = await request.jwtVerify<Claims>();
    } catch {
      return reply.code(401).send({ allow: false, reason: "invalid_token" });
    }
    if (!claims.scope.split(" ").includes(request.body.action))
      return { allow: false, reason: "not_granted" };
    const now = Date.now();
    const reason = await authorizeCall(
      `diy:revoked:${claims.jti}`,
      `diy:window:${claims.task}:${request.body.action}`,
      String(now),
      "10000",
      "1000000000",
      `${now}:${process.pid}:${sequence++}`,
    );
    return { allow: reason === "ok", reason };
  },
);

const address = await app.listen({ port, host: "127.0.0.1" });
process.stdout.write(`${address} verify cache ${cache ? "on" : "off"}\n`);
const stop = () =>
  void app
    .close()
    .then(() => redis.quit())
    .then(() => process.exit(0));
process.once("SIGTERM", stop);
process.once("SIGINT", stop);
