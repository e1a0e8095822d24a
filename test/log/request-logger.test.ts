import { Writable } from "node:stream";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { accessLogger, createLogger } from "../../src/log/logger.ts";
import { LazyRequestLogger } from "../../src/log/request-logger.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, stream };
}

describe("LazyRequestLogger", () => {
  it("logs as the child would: the request's bindings, the parent's redaction and level", async () => {
    const { lines, stream } = capture();
    const parent = createLogger("info", stream);
    let children = 0;
    const counting = new Proxy(parent, {
      get: (target, name) =>
        name === "child"
          ? (...args: Parameters<typeof parent.child>) => {
              children++;
              return target.child(...args);
            }
          : Reflect.get(target, name),
    });
    const logger = new LazyRequestLogger(counting, { request_id: "req-1" }, {});
    logger.debug({ token: "secret-token" }, "dropped at info");
    expect(children).toBe(0);
    expect(logger.level).toBe("info");
    logger.error({ token: "secret-token", code: "x" }, "request failed");
    logger.warn("second line");
    expect(children).toBe(1);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({
      request_id: "req-1",
      token: "[redacted]",
      code: "x",
      msg: "request failed",
    });
    expect(lines[1]).toMatchObject({ request_id: "req-1", msg: "second line" });
    expect(JSON.stringify(lines)).not.toContain("secret-token");
  });

  it("a route's own level applies from the first line", async () => {
    const { lines, stream } = capture();
    const logger = new LazyRequestLogger(
      createLogger("info", stream),
      { request_id: "req-2" },
      { level: "debug" },
    );
    logger.debug("kept at the route's level");
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toMatchObject([{ request_id: "req-2", msg: "kept at the route's level" }]);
  });
});

describe("accessLogger", () => {
  it("writes the line pino writes for info(line, 'request'), at the logger's level only", async () => {
    const { lines, stream } = capture();
    const logger = createLogger("info", stream);
    const line = {
      request_id: 'req-"3"\\',
      method: "POST",
      route: "/v1/authorize",
      status: 200,
      ms: 1.25,
    };
    accessLogger(logger)(line);
    accessLogger(logger)({ ...line, route: undefined });
    pino({ level: "info" }, stream).info(line, "request");
    logger.level = "warn";
    accessLogger(logger)(line);
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines).toHaveLength(3);
    const [built, withoutRoute, byPino] = lines.map(({ time, ...rest }) => {
      expect(time).toEqual(expect.any(Number));
      return rest;
    });
    expect(built).toEqual(byPino);
    expect(withoutRoute).not.toHaveProperty("route");
  });
});
