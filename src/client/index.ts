// `leash/client`: what a resource server needs to check a task token locally, without Fastify.

export type { TaskTokenClaims } from "../tokens/claims.ts";
export {
  MAX_TOKEN_LENGTH,
  TOKEN_ALGORITHMS,
  type TokenErrorCode,
  TokenVerificationError,
  type VerifyTaskTokenOptions,
  verifyTaskToken,
} from "../tokens/verify-task-token.ts";
export { EnvironmentJwks } from "./jwks-cache.ts";
