// identities.yaml: the OIDC issuers whose workload tokens leash trusts, and the bindings from their verified claims
// to a leash agent and the scopes it may request. Optional: without the file no workload token is accepted.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { z } from "zod";
import { describeValue } from "./describe-value.ts";
import { identifier, type ScopeProblem } from "./schema.ts";

export const IDENTITIES_FILE = "identities.yaml";

/** Asymmetric algorithms only: an HMAC "issuer key" would be a shared secret, and `none` is no signature. */
export const WORKLOAD_ALGORITHMS = [
  "RS256",
  "RS384",
  "RS512",
  "PS256",
  "PS384",
  "PS512",
  "ES256",
  "ES384",
  "ES512",
  "EdDSA",
] as const;
export type WorkloadAlgorithm = (typeof WORKLOAD_ALGORITHMS)[number];

/** A claim's required value (exact, or with `*`/`?` wildcards), or a mapping for an object claim such as `kubernetes.io`. */
export type ClaimMatcher = string | { [claim: string]: ClaimMatcher };

const MAX_MATCHER_DEPTH = 4;

const claimMatcher: z.ZodType<ClaimMatcher> = z.lazy(() =>
  z.union([z.string().min(1).max(512), z.record(z.string().min(1).max(128), claimMatcher)], {
    error: (issue) =>
      `expected a claim value (a string) or a mapping of claims, got ${describeValue(issue.input)}`,
  }),
);

const loopbackHosts = new Set(["127.0.0.1", "localhost", "[::1]"]);

/** HTTPS, except on loopback (a local issuer in development and tests): keys fetched in clear text can be swapped. */
const jwksUri = z.string().refine(
  (value) => {
    try {
      const url = new URL(value);
      return url.protocol === "https:" || (url.protocol === "http:" && loopbackHosts.has(url.hostname));
    } catch {
      return false;
    }
  },
  { error: (issue) => `expected an https:// URL, got ${describeValue(issue.input)}` },
);

const bindingSchema = z
  .object({
    name: identifier,
    /** The leash agent the workload acts as; it must exist and be enabled. */
    agent: identifier,
    /** Globs of scope ids the workload may request (the agent's own scope globs apply too). */
    scopes: z.array(z.string().min(1).max(128)).min(1).max(100),
    /** When set, only scopes of this environment: a staging job can never get a production task. */
    environment: identifier.optional(),
    /** Every listed claim must match; values are exact unless they hold `*` (any run) or `?` (one character). */
    claims: z.record(z.string().min(1).max(128), claimMatcher).refine((m) => Object.keys(m).length > 0, {
      error: "expected at least one claim to match",
    }),
  })
  .strict();

const issuerSchema = z
  .object({
    name: identifier,
    /** The exact `iss` of the tokens. */
    issuer: z.string().min(1).max(512),
    jwks_uri: jwksUri.optional(),
    /** A JWKS file (public keys only), relative to the scopes directory. */
    jwks_file: z.string().min(1).optional(),
    /** At least one must be in the token's `aud`. */
    audiences: z.array(z.string().min(1).max(512)).min(1),
    algorithms: z.array(z.enum(WORKLOAD_ALGORITHMS)).min(1).default(["RS256"]),
    bindings: z.array(bindingSchema).min(1),
  })
  .strict()
  .refine((entry) => (entry.jwks_uri === undefined) !== (entry.jwks_file === undefined), {
    error: "expected exactly one of jwks_uri or jwks_file",
  });

export const identitiesFileSchema = z.object({ issuers: z.array(issuerSchema) }).strict();

export type WorkloadBinding = z.infer<typeof bindingSchema>;

export interface TrustedIssuer extends Omit<z.infer<typeof issuerSchema>, "jwks_file"> {
  /** The public keys of a `jwks_file`, read when the scopes were loaded. */
  jwks?: { keys: Record<string, unknown>[] };
}

export interface IdentityTrust {
  /** Where the trust was read from (for problems found later), or null when there is no identities.yaml. */
  file: string | null;
  issuers: TrustedIssuer[];
}

export const NO_IDENTITY_TRUST: IdentityTrust = { file: null, issuers: [] };

/**
 * Cross-checks identities.yaml (validated with `identitiesFileSchema`) and reads the JWKS files it names.
 * `environments`: the known names, for bindings that pin one (undefined when environments.yaml did not load).
 */
export async function checkIdentityTrust(
  data: z.output<typeof identitiesFileSchema>,
  file: string,
  environments: Set<string> | undefined,
  problems: ScopeProblem[],
): Promise<IdentityTrust | undefined> {
  const before = problems.length;
  const issuers: TrustedIssuer[] = [];
  const seenIssuers = new Map<string, number>();
  for (const [i, entry] of data.issuers.entries()) {
    const first = seenIssuers.get(entry.issuer);
    if (first !== undefined) {
      problems.push({
        file,
        path: `issuers[${i}].issuer`,
        message: `expected each issuer once, got ${JSON.stringify(entry.issuer)} again (first at issuers[${first}])`,
      });
    }
    seenIssuers.set(entry.issuer, i);
    checkBindings(entry.bindings, `issuers[${i}]`, file, environments, problems);
    const { jwks_file, ...trusted } = entry;
    const issuer: TrustedIssuer = trusted;
    if (jwks_file !== undefined) {
      issuer.jwks = await readJwksFile(path.resolve(path.dirname(file), jwks_file), file, i, problems);
    }
    issuers.push(issuer);
  }
  return problems.length > before ? undefined : { file, issuers };
}

function checkBindings(
  bindings: WorkloadBinding[],
  at: string,
  file: string,
  environments: Set<string> | undefined,
  problems: ScopeProblem[],
): void {
  const names = new Set<string>();
  bindings.forEach((binding, j) => {
    if (names.has(binding.name)) {
      problems.push({
        file,
        path: `${at}.bindings[${j}].name`,
        message: `expected a unique binding name, got ${JSON.stringify(binding.name)} again`,
      });
    }
    names.add(binding.name);
    if (binding.environment && environments && !environments.has(binding.environment)) {
      problems.push({
        file,
        path: `${at}.bindings[${j}].environment`,
        message: `expected an environment from environments.yaml (${[...environments].join(", ")}), got ${JSON.stringify(binding.environment)}`,
      });
    }
    if (matcherDepth(binding.claims) > MAX_MATCHER_DEPTH) {
      problems.push({
        file,
        path: `${at}.bindings[${j}].claims`,
        message: `expected claims nested at most ${MAX_MATCHER_DEPTH} deep`,
      });
    }
  });
}

function matcherDepth(matcher: ClaimMatcher): number {
  if (typeof matcher === "string") return 0;
  return 1 + Math.max(0, ...Object.values(matcher).map(matcherDepth));
}

async function readJwksFile(
  jwksFile: string,
  file: string,
  index: number,
  problems: ScopeProblem[],
): Promise<TrustedIssuer["jwks"]> {
  const report = (message: string) =>
    problems.push({ file, path: `issuers[${index}].jwks_file`, message: `${jwksFile}: ${message}` });
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(jwksFile, "utf8"));
  } catch (error) {
    report(
      `expected a readable JSON Web Key Set (${error instanceof Error ? error.message : String(error)})`,
    );
    return undefined;
  }
  const keys = (parsed as { keys?: unknown })?.keys;
  if (!Array.isArray(keys) || keys.length === 0 || keys.some((k) => !k || typeof k !== "object")) {
    report('expected a JSON Web Key Set: {"keys": [ ... ]} with at least one key');
    return undefined;
  }
  // A private key in a trust file means someone copied the wrong file; it must never be loaded, or even kept.
  if (keys.some((k) => ["d", "p", "q", "dp", "dq", "qi", "k"].some((member) => member in k))) {
    report("expected public keys only, got private or symmetric key material");
    return undefined;
  }
  return { keys };
}
