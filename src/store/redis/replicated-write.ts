// Writes that must survive a primary failover: the write and a `WAIT` in one pipeline, so both reach the same
// connection (in a Cluster, the one of the write's slot) and WAIT counts the replicas that have this write.
import type { ChainableCommander } from "ioredis";
import { StoreUnavailableError } from "../../errors/leash-error.ts";
import type { RedisClient } from "./redis-client.ts";

export interface ReplicationWait {
  /** Replicas that must acknowledge a write before it is reported done; 0 = do not wait. */
  replicas: number;
  /** Longest WAIT, in ms; below the command timeout, so WAIT answers before ioredis gives up on it. */
  timeoutMs: number;
}

export const NO_REPLICATION_WAIT: ReplicationWait = { replicas: 0, timeoutMs: 0 };

/**
 * Sends the commands `queue` puts on a pipeline, then (with `wait.replicas` > 0) `WAIT replicas timeoutMs` on the
 * same connection. Returns the commands' replies; throws the first command error, or StoreUnavailableError when
 * fewer replicas acknowledged in time: the write is on the primary but could be lost with it, so leash does not
 * claim success (the caller answers 503; every such write is safe to repeat).
 *
 * ioredis sends a script as EVAL the first time on each connection, so its EVALSHA never meets NOSCRIPT after a
 * failover (a new connection); only a SCRIPT FLUSH on a live primary could make ioredis re-send a script after the
 * WAIT, outside this pipeline.
 */
export async function execReplicated(
  client: RedisClient,
  wait: ReplicationWait,
  queue: (pipeline: ChainableCommander) => void,
): Promise<unknown[]> {
  if (wait.replicas === 0) return sendAlongside(client, queue);
  const pipeline = client.pipeline();
  queue(pipeline);
  const writes = pipeline.length;
  if (wait.replicas > 0) pipeline.wait(wait.replicas, wait.timeoutMs);
  const results = await pipeline.exec();
  if (results === null) throw new Error("pipeline aborted");
  const failed = results.find(([error]) => error !== null);
  if (failed) throw failed[0];
  if (wait.replicas > 0) {
    const acknowledged = Number(results[writes]?.[1]);
    if (!(acknowledged >= wait.replicas)) {
      throw new StoreUnavailableError(
        new Error(`WAIT ${wait.replicas} ${wait.timeoutMs} answered ${acknowledged}`),
        `the change reached ${acknowledged} of ${wait.replicas} Redis replicas within ${wait.timeoutMs} ms ` +
          "(LEASH_REDIS_WAIT_REPLICAS), so a failover could lose it; it may already be in force: retry",
      );
    }
  }
  return results.slice(0, writes).map(([, value]) => value);
}

/**
 * Without a WAIT the commands need not share a pipeline of their own: sent as ordinary commands they join the
 * client's automatic pipeline with whatever else this tick sends (one socket write instead of two, and no Pipeline
 * object per call). Same connection and order as a pipeline; the replies in order, or the first error.
 */
async function sendAlongside(
  client: RedisClient,
  queue: (pipeline: ChainableCommander) => void,
): Promise<unknown[]> {
  const replies: Promise<unknown>[] = [];
  const commands: ChainableCommander = new Proxy(client as unknown as ChainableCommander, {
    get(target, name) {
      const command = Reflect.get(target, name) as unknown;
      if (typeof command !== "function") return command;
      return (...args: unknown[]) => {
        replies.push((command as (...a: unknown[]) => Promise<unknown>).apply(target, args));
        return commands;
      };
    },
  });
  queue(commands);
  return Promise.all(replies);
}
