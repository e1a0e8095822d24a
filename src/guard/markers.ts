// Loads environment markers from the scopes directory's environments.yaml, keeping only what the guard needs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { z } from "zod";
import { LeashError } from "../errors/leash-error.ts";
import { formatPath } from "../scopes/format-path.ts";
import { environmentSchema, expecting, scopeIssueMessage } from "../scopes/schema.ts";
import type { EnvironmentMarkers } from "./types.ts";

/**
 * environments.yaml as the guard reads it: each environment's name, protected and markers, checked as the broker
 * checks them; every other field (max_ttl, resources, limits…) is the broker's business and left unread.
 */
const markersFileSchema = z.object(
  {
    environments: z.array(environmentSchema.pick({ name: true, protected: true, markers: true }).strip(), {
      error: expecting("a list of environments"),
    }),
  },
  { error: expecting("a mapping with an `environments:` list") },
);

export function loadEnvironmentMarkers(scopesDir: string): EnvironmentMarkers[] {
  const file = join(scopesDir, "environments.yaml");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new LeashError("environments_unreadable", `cannot read ${file}: ${(error as Error).message}`);
  }
  return parseEnvironmentMarkers(text, file);
}

export function parseEnvironmentMarkers(text: string, file = "environments.yaml"): EnvironmentMarkers[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new LeashError(
      "environments_invalid",
      `${file}: not valid YAML: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  const parsed = markersFileSchema.safeParse(doc, { error: scopeIssueMessage });
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new LeashError("environments_invalid", `${file}: ${formatPath(issue.path)}: ${issue.message}`);
  }
  return parsed.data.environments;
}
