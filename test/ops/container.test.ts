// compose.yaml against the Compose Specification's JSON schema (no container engine runs here), and what the
// image and compose promise: no keys or node_modules in the build context, the compiled CLI as an unprivileged
// user, readiness health checks, published ports on loopback only, and the issuer spelled as clients spell the URL.
// compose-spec.schema.json is the Compose Specification's schema as the dclint 3.1.0 npm package ships it
// (schemas/compose.schema.json).
import { readFileSync } from "node:fs";
import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

const root = new URL("../../", import.meta.url);
const read = (path: string) => readFileSync(new URL(path, root), "utf8");
// Draft-07, named by its https URL, which Ajv's built-in draft-07 meta-schema (an http URL) does not answer to.
const { $schema: _draft07, ...schema } = JSON.parse(read("test/ops/compose-spec.schema.json"));
// Compose's own formats (durations like "2s", port ranges) are not JSON Schema's: check structure, not formats.
const validate = new Ajv({ allErrors: true, strict: false, validateFormats: false }).compile(schema);

interface Service {
  image?: string;
  build?: unknown;
  ports?: string[];
  environment?: Record<string, string>;
  healthcheck?: { test: string[] };
}
const compose = parse(read("compose.yaml")) as { services: Record<string, Service> };

describe("compose.yaml", () => {
  it("is valid against the Compose Specification", () => {
    expect(validate(compose), JSON.stringify(validate.errors, null, 2)).toBe(true);
  });

  it("is checked for real: the schema refuses a misspelt key and a wrong type", () => {
    const misspelt = structuredClone(compose);
    (misspelt.services.broker as Record<string, unknown>).helthcheck = { test: ["CMD", "true"] };
    expect(validate(misspelt)).toBe(false);
    const wrongType = structuredClone(compose);
    (wrongType.services.broker as Record<string, unknown>).ports = "8080:8080";
    expect(validate(wrongType)).toBe(false);
  });

  it("publishes every port on 127.0.0.1 only (Vault's dev root token and the broker stay off the network)", () => {
    const published = Object.entries(compose.services).flatMap(([name, service]) =>
      (service.ports ?? []).map((port) => [name, String(port)]),
    );
    expect(published.length).toBeGreaterThan(0);
    for (const [name, port] of published) expect(port, name).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it("checks the broker's readiness, and spells the issuer as README's LEASH_URL", () => {
    const broker = compose.services.broker!;
    expect(broker.healthcheck?.test.join(" ")).toContain("/readyz");
    expect(broker.environment?.LEASH_ISSUER).toBe("http://127.0.0.1:8080");
    expect(read("README.md")).toContain("export LEASH_URL=http://127.0.0.1:8080");
  });
});

describe("the image", () => {
  const dockerfile = read("Dockerfile");
  const runtime = dockerfile.slice(dockerfile.lastIndexOf("\nFROM "));

  it("sends only what the build needs: never keys, node_modules or build output", () => {
    const rules = read(".dockerignore")
      .split("\n")
      .filter((line) => line.trim() && !line.startsWith("#"));
    expect(rules[0]).toBe("**");
    const allowed = rules.filter((rule) => rule.startsWith("!"));
    for (const rule of allowed) expect(rule).not.toMatch(/keys|node_modules|dist|\.env/);
  });

  it("runs the compiled CLI as the unprivileged node user, with production dependencies only", () => {
    expect(runtime).toMatch(/\nUSER node\n/);
    expect(runtime.indexOf("USER node")).toBeLessThan(runtime.indexOf("CMD "));
    expect(runtime).toContain("npm ci --omit=dev");
    expect(runtime).toContain("dist/cli/bin.cjs serve");
    expect(runtime).not.toMatch(/tsx|COPY src /);
    expect(runtime).toMatch(/HEALTHCHECK[\s\S]*\/readyz/);
  });
});
