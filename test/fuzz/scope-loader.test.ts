// Property-based fuzzing of the scope loader and linter: whatever text or structure a scope, environments or actions
// file holds, loading never throws; it returns a usable set or problems that each name a file, a path and a message.
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { SHIPPED_SCOPES_DIR } from "../../src/broker/dev.ts";
import { loadCheckedScopeSet } from "../../src/broker/scope-registry.ts";

const RUNS = Number(process.env.FUZZ_RUNS ?? 40);
let dir: string;
const shipped = new Map<string, string>();
let loads = 0;
let refused = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "leash-fuzz-scopes-"));
  await cp(SHIPPED_SCOPES_DIR, dir, { recursive: true });
  for (const name of ["environments.yaml", "actions.yaml", "staging-fix.yaml", "production-ops.yaml"]) {
    shipped.set(name, await readFile(join(dir, name), "utf8"));
  }
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
  console.log(`scope loader fuzzing: ${loads} loads, ${refused} refused with problems, none threw`);
});

/** Writes `text` as `name`, loads and lints the directory, restores the file; the load must not throw. */
async function loadWith(name: string, text: string | Uint8Array) {
  await writeFile(join(dir, name), text);
  try {
    const result = await loadCheckedScopeSet(dir);
    loads++;
    if (!result.ok) {
      refused++;
      expect(result.problems.length).toBeGreaterThan(0);
      for (const problem of result.problems) {
        expect(typeof problem.file).toBe("string");
        expect(typeof problem.path).toBe("string");
        expect(typeof problem.message).toBe("string");
        expect(problem.message.length).toBeGreaterThan(0);
      }
    }
    return result;
  } finally {
    const original = shipped.get(name);
    if (original === undefined) await rm(join(dir, name), { force: true });
    else await writeFile(join(dir, name), original);
  }
}

const scalar = fc.oneof(
  fc.string({ maxLength: 30 }),
  fc.constantFrom(
    "staging",
    "production",
    "volume:delete",
    "backup:delete",
    "railway:prj_demo/env/staging/**",
    "railway:prj_demo/env/production/**",
    "**",
    "10m",
    "0s",
    "-1m",
    "999999999h",
    "1.5h",
    "sre",
    "revoke_task",
    "deny",
    "task",
    "__proto__",
    "constructor",
  ),
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
);
const anyValue = fc.letrec<{ value: unknown }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    scalar,
    fc.array(tie("value"), { maxLength: 4 }),
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 10 }), fc.constantFrom("__proto__", "match", "max", "per")),
      tie("value"),
      {
        maxKeys: 4,
      },
    ),
  ),
})).value;

/** Scope files shaped like the schema (each key optional, each value near-valid or anything). */
const scopeDocument = fc.record(
  {
    description: fc.oneof(fc.string(), anyValue),
    environment: fc.oneof(fc.constantFrom("staging", "production", "nowhere"), anyValue),
    agents: fc.oneof(fc.array(fc.constantFrom("*", "agent-*", "")), anyValue),
    actions: fc.oneof(
      fc.array(fc.constantFrom("volume:read", "volume:delete", "backup:delete", "nope:x", "BAD")),
      anyValue,
    ),
    resources: fc.oneof(fc.array(scalar), anyValue),
    ttl: fc.oneof(fc.record({ default: scalar, max: scalar }, { requiredKeys: [] }), anyValue),
    limits: fc.oneof(
      fc.array(
        fc.record(
          {
            match: fc.oneof(fc.record({ action: scalar }), fc.record({ destructive: scalar }), anyValue),
            max: scalar,
            per: scalar,
            key: scalar,
            on_exceed: scalar,
          },
          { requiredKeys: [] },
        ),
        { maxLength: 3 },
      ),
      anyValue,
    ),
    approval: anyValue,
    credentials: fc.oneof(
      fc.record({ vault: fc.record({ path: scalar, ttl: scalar }, { requiredKeys: [] }) }),
      anyValue,
    ),
    extra: anyValue,
  },
  { requiredKeys: [] },
);

/** Shipped text with lines dropped, repeated, or characters spliced in. */
const mutatedText = (original: string) =>
  fc
    .array(
      fc.record({
        line: fc.nat(),
        kind: fc.constantFrom("drop", "repeat", "splice", "indent"),
        text: fc.constantFrom(
          ":",
          "- ",
          "&a ",
          "*a",
          "!!binary ",
          "<<: *a",
          "'",
          '"',
          "{",
          "[",
          "#",
          "\t",
          "---",
          "?",
        ),
      }),
      { minLength: 1, maxLength: 4 },
    )
    .map((edits) => {
      const lines = original.split("\n");
      for (const { line, kind, text } of edits) {
        const at = line % lines.length;
        if (kind === "drop") lines.splice(at, 1);
        else if (kind === "repeat") lines.splice(at, 0, lines[at]!);
        else if (kind === "indent") lines[at] = `   ${lines[at]}`;
        else lines[at] = `${text}${lines[at]}`;
      }
      return lines.join("\n");
    });

describe("fuzzing the scope loader", () => {
  it("arbitrary text in a scope file never throws", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: "binary", maxLength: 200 })),
        async (text) => {
          await loadWith("fuzz.yaml", text);
        },
      ),
      { numRuns: RUNS },
    );
  });

  it("arbitrary scope-shaped structures never throw, and a refused one says why", async () => {
    await fc.assert(
      fc.asyncProperty(scopeDocument, async (document) => {
        await loadWith("fuzz.yaml", stringify(document));
      }),
      { numRuns: RUNS * 2 },
    );
  });

  it("mutated shipped files (scope, environments, actions) never throw", async () => {
    for (const name of ["staging-fix.yaml", "production-ops.yaml", "environments.yaml", "actions.yaml"]) {
      await fc.assert(
        fc.asyncProperty(mutatedText(shipped.get(name)!), async (text) => {
          await loadWith(name, text);
        }),
        { numRuns: Math.ceil(RUNS / 2) },
      );
    }
  });

  it("arbitrary structures as environments.yaml and actions.yaml never throw", async () => {
    const file = (key: string) =>
      fc.oneof(anyValue, fc.record({ [key]: fc.array(anyValue, { maxLength: 4 }) }));
    await fc.assert(
      fc.asyncProperty(file("environments"), file("actions"), async (environments, actions) => {
        await loadWith("environments.yaml", stringify(environments));
        await loadWith("actions.yaml", stringify(actions));
      }),
      { numRuns: RUNS },
    );
  });

  it("YAML bombs, deep nesting, tags and several documents are refused with problems, quickly", async () => {
    const laughs = [
      "a: &a [x, x, x, x, x, x, x, x, x]",
      ...Array.from(
        { length: 9 },
        (_, i) => `${"bcdefghij"[i]}: &${"bcdefghij"[i]} [${Array(9).fill(`*${"abcdefghi"[i]}`).join(", ")}]`,
      ),
    ].join("\n");
    const samples = [
      laughs,
      `${"[".repeat(5000)}${"]".repeat(5000)}`,
      `${"a:\n ".repeat(2000)}x`,
      "description: !!js/function 'function () { return 1 }'",
      "description: !!binary aGVsbG8=",
      "description: x\n---\ndescription: y",
      "environment: staging\nenvironment: production",
      "<<: {environment: production}\nenvironment: staging",
      "\ufeffdescription: bom",
      "description: \u0000",
    ];
    for (const text of samples) {
      const started = performance.now();
      const result = await loadWith("fuzz.yaml", text);
      expect(result.ok).toBe(false);
      expect(performance.now() - started).toBeLessThan(2000);
    }
  });

  it("the shipped set still loads afterwards", async () => {
    expect((await loadCheckedScopeSet(dir)).ok).toBe(true);
  });
});
