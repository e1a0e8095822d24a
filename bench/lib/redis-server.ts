// The bench's own redis-server on a free loopback port, configured like compose.yaml (AOF on, fsync every second).

import { mkdtemp, rm } from "node:fs/promises";
import { Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { freePort } from "../../test/helpers/ports.ts";
import { rawRedisCommand } from "../../test/helpers/redis-server.ts";
import { type Service, startService } from "./service.ts";

export interface BenchRedis {
  port: number;
  url: string;
  service: Service;
  stop(): Promise<void>;
}

/** The tests' raw-socket client (one inline command, the first reply line), shared with bench/lib/cluster.ts. */
export { rawRedisCommand };

/** Memory and key count, to show what a run left behind (e.g. audit streams). */
export async function redisFootprint(port: number): Promise<{ usedMemoryBytes: number; keys: number }> {
  const info = await new Promise<string>((resolve, reject) => {
    const socket = new Socket();
    let reply = "";
    socket.setTimeout(2000, () => {
      socket.destroy();
      reject(new Error("INFO timed out"));
    });
    socket.once("error", reject);
    socket.on("data", (chunk) => {
      reply += chunk.toString("utf8");
      // A bulk string: "$<len>\r\n<body>\r\n".
      const header = reply.indexOf("\r\n");
      if (header > 0 && reply.length >= header + 2 + Number(reply.slice(1, header)) + 2) {
        socket.destroy();
        resolve(reply);
      }
    });
    socket.connect(port, "127.0.0.1", () => socket.write("INFO memory\r\n"));
  });
  const usedMemoryBytes = Number(/used_memory:(\d+)/.exec(info)?.[1] ?? Number.NaN);
  const keys = Number((await rawRedisCommand(port, "DBSIZE")).replace(/^:/, ""));
  return { usedMemoryBytes, keys };
}

export async function startBenchRedis(logDir: string): Promise<BenchRedis> {
  const binary = process.env.REDIS_SERVER_BIN ?? "redis-server";
  const dataDir = await mkdtemp(join(tmpdir(), "leash-bench-redis-"));
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    const args = ["--port", String(port), "--bind", "127.0.0.1", "--save", "", "--dir", dataDir];
    args.push("--appendonly", "yes", "--appendfsync", "everysec");
    const service = startService("redis-server", binary, args, { logFile: join(logDir, "redis.log") });
    const deadline = Date.now() + 10_000;
    let up = false;
    while (Date.now() < deadline && service.child.exitCode === null) {
      try {
        if ((await rawRedisCommand(port, "PING", 200)) === "+PONG") {
          up = true;
          break;
        }
      } catch {
        // not listening yet
      }
      await sleep(20);
    }
    if (up) {
      return {
        port,
        url: `redis://127.0.0.1:${port}`,
        service,
        async stop() {
          await service.stop();
          await rm(dataDir, { recursive: true, force: true });
        },
      };
    }
    await service.stop(1000);
    if (attempt >= 5) throw new Error(`redis-server did not start:\n${service.logTail()}`);
  }
}
