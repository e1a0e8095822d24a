// How every environment schema reads and reports: unset and empty alike, a bad value one line naming the variable
// and what was expected.
import type { z } from "zod";

/** Unset and empty are the same: hook and service configurations often pass every variable, set or not. */
export const unsetWhenEmpty = (value: unknown) =>
  typeof value === "string" && value.trim() === "" ? undefined : value;

export class ConfigError extends Error {
  override name = "ConfigError";
}

/** Parses `env` with `schema`, or throws a ConfigError for the first bad variable: `NAME: expected …`. */
export function parseEnv<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): z.infer<S> {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  throw new ConfigError(`${issue.path.join(".")}: ${issue.message}`);
}
