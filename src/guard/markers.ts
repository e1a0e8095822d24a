// Loads environment markers from the scopes directory's environments.yaml, keeping only what the guard needs.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { LeashError } from "../errors/leash-error.ts";
import type { EnvironmentMarkers } from "./types.ts";

export function loadEnvironmentMarkers(scopesDir: string): EnvironmentMarkers[] {
  const file = join(scopesDir, "environments.yaml");
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    throw new LeashError("environments_unreadable", 400, `cannot read ${file}: ${(error as Error).message}`);
  }
  return parseEnvironmentMarkers(text, file);
}

/** Tolerant of every field the guard does not use (max_ttl, resources, limits…). */
export function parseEnvironmentMarkers(text: string, file = "environments.yaml"): EnvironmentMarkers[] {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (error) {
    throw new LeashError(
      "environments_invalid",
      400,
      `${file}: not valid YAML: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  const list = (doc as { environments?: unknown } | null)?.environments;
  if (!Array.isArray(list))
    throw new LeashError("environments_invalid", 400, `${file}: expected a top-level "environments:" list`);
  return list.map((entry, i) => {
    const e = (entry ?? {}) as Record<string, unknown>;
    if (typeof e.name !== "string" || !e.name) {
      throw new LeashError("environments_invalid", 400, `${file}: environments[${i}].name: expected a name`);
    }
    const markers = Array.isArray(e.markers)
      ? e.markers.filter((m): m is string => typeof m === "string" && m.length > 0)
      : [];
    return { name: e.name, protected: e.protected === true, markers };
  });
}
