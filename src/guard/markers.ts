// Loads environment markers from the scopes directory's environments.yaml, keeping only what the guard needs.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { LeashError } from "../errors/leash-error.ts";
import { describeValue } from "../scopes/describe-value.ts";
import { formatPath } from "../scopes/format-path.ts";
import { readPlainYaml } from "../scopes/plain-yaml.ts";
import type { EnvironmentMarkers } from "./types.ts";

export async function loadEnvironmentMarkers(scopesDir: string): Promise<EnvironmentMarkers[]> {
  const file = join(scopesDir, "environments.yaml");
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new LeashError("environments_unreadable", `cannot read ${file}: ${(error as Error).message}`);
  }
  return parseEnvironmentMarkers(text, file);
}

/**
 * An agent's hook reads environments.yaml before every command: plain YAML is read without the `yaml` package, which
 * loads (and words the error) only for what the plain reader leaves to it.
 */
export async function parseEnvironmentMarkers(
  text: string,
  file = "environments.yaml",
): Promise<EnvironmentMarkers[]> {
  let doc = readPlainYaml(text)?.value;
  if (doc === undefined) {
    const { parse } = await import("yaml");
    try {
      doc = parse(text);
    } catch (error) {
      throw new LeashError(
        "environments_invalid",
        `${file}: not valid YAML: ${(error as Error).message.split("\n")[0]}`,
      );
    }
  }
  return readEnvironmentMarkers(doc, file);
}

const IDENTIFIER = /^[a-z0-9][a-z0-9_-]{0,62}$/i;

const isMapping = (value: unknown): value is Record<string, unknown> =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/**
 * environments.yaml as the guard reads it: each environment's name, protected and markers, checked as the broker's
 * scopes schema checks them, with its words, and reporting the problem it reports first (test/guard/markers.test.ts
 * holds the two together); every other field (max_ttl, resources, limits…) is the broker's business and left unread.
 * The schema itself is not used: zod is a third of a hook's CPU.
 */
export function readEnvironmentMarkers(doc: unknown, file = "environments.yaml"): EnvironmentMarkers[] {
  function fail(path: PropertyKey[], what: string, got: unknown, gotText = describeValue(got)): never {
    throw new LeashError(
      "environments_invalid",
      `${file}: ${formatPath(path)}: expected ${what}, got ${gotText}`,
    );
  }
  if (!isMapping(doc)) fail([], "a mapping with an `environments:` list", doc);
  const list = doc.environments;
  if (!Array.isArray(list)) fail(["environments"], "a list of environments", list);
  return list.map((entry: unknown, i): EnvironmentMarkers => {
    const at = ["environments", i];
    if (!isMapping(entry))
      fail(at, "an environment like {name: staging, max_ttl: 1h, resources: [...]}", entry);
    const { name, protected: isProtected = false, markers = [] } = entry;
    if (typeof name !== "string" || !IDENTIFIER.test(name))
      fail([...at, "name"], 'a name of letters, digits, "-" or "_"', name);
    if (typeof isProtected !== "boolean") fail([...at, "protected"], "true or false", isProtected);
    if (!Array.isArray(markers)) fail([...at, "markers"], "a list of marker strings", markers);
    for (const [j, marker] of markers.entries()) {
      if (typeof marker !== "string") fail([...at, "markers", j], "a marker string", marker);
      if (marker === "") fail([...at, "markers", j], "a marker string", marker, "an empty string");
    }
    return { name, protected: isProtected, markers: [...markers] };
  });
}
