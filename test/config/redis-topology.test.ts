// Redis topology and durability settings: parsed once at start, every mistake named.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../src/config/config.ts";
import { redisTarget } from "../../src/store/redis/redis-client.ts";

const load = (env: Record<string, string>) => loadConfig(env);

describe("Redis topology settings", () => {
  it("defaults to one server at REDIS_URL, without waiting for replicas", () => {
    const config = load({});
    expect(redisTarget(config)).toEqual({ kind: "server", url: "redis://127.0.0.1:6379" });
    expect(config.LEASH_REDIS_WAIT_REPLICAS).toBe(0);
    expect(config.LEASH_REDIS_WAIT_TIMEOUT_MS).toBe(250);
  });

  it("reads a Cluster's seed nodes, IPv6 included", () => {
    const config = load({ REDIS_CLUSTER_NODES: "10.0.0.1:7000, redis-b.internal:7001,[::1]:7002" });
    expect(redisTarget(config)).toEqual({
      kind: "cluster",
      nodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "redis-b.internal", port: 7001 },
        { host: "::1", port: 7002 },
      ],
    });
  });

  it("reads Sentinels and the monitored name, and requires the name", () => {
    const config = load({ REDIS_SENTINELS: "s1:26379,s2:26379,s3:26379", REDIS_SENTINEL_NAME: "leash" });
    expect(redisTarget(config)).toMatchObject({ kind: "sentinel", name: "leash" });
    expect(() => load({ REDIS_SENTINELS: "s1:26379" })).toThrow(/REDIS_SENTINEL_NAME: required/);
  });

  it("names a bad entry", () => {
    expect(() => load({ REDIS_CLUSTER_NODES: "10.0.0.1:7000,10.0.0.2" })).toThrow(
      /REDIS_CLUSTER_NODES: expected host:port entries separated by commas, got "10.0.0.2"/,
    );
    expect(() => load({ REDIS_SENTINELS: "s1:99999" })).toThrow(ConfigError);
  });

  it("refuses two ways to reach Redis at once", () => {
    expect(() => load({ REDIS_URL: "redis://r:6379", REDIS_CLUSTER_NODES: "a:1" })).toThrow(
      /REDIS_URL, REDIS_CLUSTER_NODES: set only one of them/,
    );
  });

  it("wants a WAIT that ends before the command timeout", () => {
    expect(load({ LEASH_REDIS_WAIT_REPLICAS: "1" }).LEASH_REDIS_WAIT_REPLICAS).toBe(1);
    expect(() =>
      load({
        LEASH_REDIS_WAIT_REPLICAS: "1",
        LEASH_REDIS_WAIT_TIMEOUT_MS: "500",
        REDIS_COMMAND_TIMEOUT_MS: "500",
      }),
    ).toThrow(/LEASH_REDIS_WAIT_TIMEOUT_MS: must be below REDIS_COMMAND_TIMEOUT_MS/);
  });
});
