// Every Lua script the Redis store runs is registered in src/store/redis/scripts/registry.ts and sent with
// EVALSHA through ioredis's defineCommand; no other source file sends a script (EVAL with its text each time) or
// defines one of its own. test/store/hash-slots.test.ts checks that every registered script runs.
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { SCRIPTS } from "../../src/store/redis/scripts/registry.ts";

const root = fileURLToPath(new URL("../..", import.meta.url));
const REGISTRY = "src/store/redis/scripts/registry.ts";

/** The sources that talk to Redis: the Redis store and anything else holding an ioredis client. */
const redisSources = readdirSync(join(root, "src"), { recursive: true, withFileTypes: true })
  .filter((entry) => entry.isFile() && entry.name.endsWith(".ts"))
  .map((entry) => relative(root, join(entry.parentPath, entry.name)))
  .filter((path) => path.startsWith("src/store/redis/") || /from "ioredis"/.test(read(path)));

describe("Lua script registry", () => {
  it("no source file but the registry sends or defines a script", () => {
    expect(redisSources.length).toBeGreaterThan(5);
    const offenders = redisSources
      .filter((path) => path !== REGISTRY)
      .filter((path) =>
        /\.(eval|evalsha|evalBuffer|defineCommand)\(|["'](EVAL|EVALSHA|SCRIPT)["']/i.test(read(path)),
      );
    expect(offenders).toEqual([]);
  });

  it("registers each script once, under a leash-prefixed command name", () => {
    const texts = Object.values(SCRIPTS).map((script) => script.lua);
    expect(new Set(texts).size).toBe(texts.length);
    expect(Object.keys(SCRIPTS).filter((name) => !/^leash[A-Z]/.test(name))).toEqual([]);
  });
});

function read(path: string): string {
  return readFileSync(join(root, path), "utf8");
}
