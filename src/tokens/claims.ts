// The claims of a task token (RFC 9068 shaped) and how issuer and audience are derived from the environment.
import { z } from "zod";

export const environmentIssuer = (issuer: string, env: string) => `${issuer.replace(/\/+$/, "")}/envs/${env}`;
export const environmentAudience = (env: string) => `urn:leash:env:${env}`;

export const taskTokenClaimsSchema = z.object({
  iss: z.string(),
  aud: z.union([z.string(), z.array(z.string())]),
  sub: z.string().startsWith("agent:"),
  client_id: z.string(),
  jti: z.string().min(1),
  iat: z.number().int(),
  nbf: z.number().int(),
  exp: z.number().int(),
  env: z.string(),
  scope: z.string(),
  resources: z.array(z.string()),
  task: z.string(),
  intent: z.string(),
  scope_id: z.string(),
  gen: z.string(),
});
export type TaskTokenClaims = z.infer<typeof taskTokenClaimsSchema>;

export const grantedActions = (claims: TaskTokenClaims): string[] => claims.scope.split(" ").filter(Boolean);
