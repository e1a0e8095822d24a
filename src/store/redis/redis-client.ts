// ioredis clients for the three ways to run Redis under leash (one server, Cluster, Sentinel), all failing closed.
//
// Whatever the topology, the rules are the ones of the single-server client: no offline queue (a command while
// disconnected fails at once), no retry or re-send of a command that may have run (an enforce is never counted
// twice), a bounded command time, a connection that stays silent for as long is dropped (one server and Cluster: a
// stalled Redis fails every later command at once instead of making each wait its own timeout), and reconnection
// forever with capped backoff so leash resumes by itself after a restart, a stall or a failover.
import { Cluster, type ClusterOptions, type Command, Redis, type RedisOptions } from "ioredis";
import type { LeashConfig } from "../../config/config.ts";

/** A client of one Redis server, a Sentinel-managed primary, or a Redis Cluster. */
export type RedisClient = Redis | Cluster;

export interface RedisNodeAddress {
  host: string;
  port: number;
}

/** Where the shared state lives. */
export type RedisTarget =
  | { kind: "server"; url: string }
  | { kind: "cluster"; nodes: RedisNodeAddress[] }
  | { kind: "sentinel"; sentinels: RedisNodeAddress[]; name: string };

export interface RedisClientOptions {
  /** Longest a single command may take before it fails with StoreUnavailableError. Default 500 ms. */
  commandTimeoutMs?: number;
  /** Longest a (re)connection attempt may take. Default 500 ms. */
  connectTimeoutMs?: number;
  /** Called for every connection-level error ioredis reports (the errors are otherwise swallowed); for metrics. */
  onError?: (error: Error) => void;
}

/** Cap on the delay between reconnection attempts: leash must notice quickly that Redis is back. */
const MAX_RECONNECT_DELAY_MS = 500;
export const DEFAULT_COMMAND_TIMEOUT_MS = 500;
const reconnectDelay = (attempt: number) => Math.min(50 * attempt, MAX_RECONNECT_DELAY_MS);

/** Options every connection to a Redis server shares, in each topology. */
const failClosedOptions = (opts: RedisClientOptions) => ({
  // Commands issued in the same event-loop turn go out as one pipeline (one write, one read on each side): under
  // load this halves Redis' CPU per decision. Each command still gets its own reply or error.
  enableAutoPipelining: true,
  maxRetriesPerRequest: 0,
  autoResendUnfulfilledCommands: false,
  commandTimeout: opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
  connectTimeout: opts.connectTimeoutMs ?? 500,
});

/**
 * A connection with commands in flight that has received nothing for a command timeout is hung (a SIGSTOPped or
 * wedged Redis keeps its sockets open): close it. Without this, every command of a request that needs Redis several
 * times in a row waited a full timeout of its own; with it, the later ones fail at once (no offline queue) while the
 * client reconnects, and a request answers 503 within one command timeout. One server and Cluster nodes only: on a
 * Sentinel-managed primary it kept ioredis from landing on the promoted replica for 30 s after a failover.
 */
const hungConnectionOptions = (opts: RedisClientOptions) => ({
  socketTimeout: opts.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
});

/** The target REDIS_URL, REDIS_CLUSTER_NODES or REDIS_SENTINELS (+ REDIS_SENTINEL_NAME) names. */
export function redisTarget(config: LeashConfig): RedisTarget {
  if (config.REDIS_CLUSTER_NODES) return { kind: "cluster", nodes: config.REDIS_CLUSTER_NODES };
  if (config.REDIS_SENTINELS && config.REDIS_SENTINEL_NAME) {
    return { kind: "sentinel", sentinels: config.REDIS_SENTINELS, name: config.REDIS_SENTINEL_NAME };
  }
  return { kind: "server", url: config.REDIS_URL };
}

/** One Redis server by URL (see the module comment for the fail-closed rules). */
export const createRedisClient = (url: string, opts: RedisClientOptions = {}): Redis => {
  const client = new Redis(url, {
    ...failClosedOptions(opts),
    ...hungConnectionOptions(opts),
    enableOfflineQueue: false,
    retryStrategy: reconnectDelay,
    lazyConnect: false,
  });
  // Without a listener ioredis prints every reconnect failure; callers that need them pass onError.
  client.on("error", (error: Error) => opts.onError?.(error));
  return client;
};

type SendArguments = Parameters<Cluster["sendCommand"]>;

/**
 * A Cluster that refuses a command at once while it is not connected to the cluster, instead of queueing it.
 *
 * ioredis' own `enableOfflineQueue: false` does that too, but also refuses ("Connection is closed.") every command
 * for a node whose connection is still being opened, and ioredis opens node connections lazily, on their first
 * command: a pipeline's second command on a fresh connection (after a start or a failover) would fail the whole
 * pipeline, and its first command would wait for the command timeout. With the cluster's offline queue on, those
 * commands wait in the node's own queue, under the command timeout, until the connection is up (or fails); and the
 * cluster-wide queue, which has no timeout, is never used because of this check.
 */
class FailFastCluster extends Cluster {
  override sendCommand(command: Command, stream?: SendArguments[1], node?: SendArguments[2]): unknown {
    // CLUSTER commands are how ioredis itself checks readiness while it connects.
    if (this.status !== "ready" && command.name !== "cluster") {
      command.reject(new Error("Redis Cluster is not connected"));
      return command.promise;
    }
    return super.sendCommand(command, stream, node);
  }
}

/**
 * A Redis Cluster client. A command whose node connection closes, or that meets CLUSTERDOWN, fails at once
 * (retryDelayOnFailover/ClusterDown 0: ioredis would otherwise re-send it to another node, and a script that may
 * have run must never run twice). MOVED and ASK are followed: they mean the command did not run. Nodes are not
 * reconnected individually: a MOVED after a failover points at the new primary, and the slot map is refreshed.
 */
export const createClusterClient = (nodes: RedisNodeAddress[], opts: RedisClientOptions = {}): Cluster => {
  const connectTimeout = opts.connectTimeoutMs ?? 500;
  const client = new FailFastCluster(nodes, {
    // See FailFastCluster: commands are refused while the cluster is not connected; per node they may wait for the
    // connection being opened, bounded by the command timeout.
    enableOfflineQueue: true,
    enableAutoPipelining: true,
    // Auto-pipelining groups a command by the slot of its first argument. For a script whose number of keys travels
    // as that first argument (the enforce batch), that is the count, not a key: batches of different slots would
    // share one pipeline, which ioredis refuses. Such a script goes out on its own; its keys pick the node.
    autoPipeliningIgnoredCommands: ["leashEnforceBatch"],
    enableReadyCheck: true,
    scaleReads: "master",
    maxRedirections: 16,
    retryDelayOnFailover: 0,
    retryDelayOnClusterDown: 0,
    retryDelayOnMoved: 0,
    // TRYAGAIN (a multi-key command during a slot migration) did not run; trying again is safe and bounded by
    // the command timeout, which starts at the first send.
    retryDelayOnTryAgain: 50,
    clusterRetryStrategy: reconnectDelay,
    slotsRefreshTimeout: Math.max(connectTimeout, 1000),
    slotsRefreshInterval: 2000,
    redisOptions: {
      ...failClosedOptions(opts),
      ...hungConnectionOptions(opts),
    } satisfies Partial<RedisOptions>,
  } satisfies ClusterOptions);
  client.on("error", (error: Error) => opts.onError?.(error));
  client.on("node error", (error: Error) => opts.onError?.(error));
  return client;
};

/** A reply that means the client is connected to a demoted primary: Redis's READONLY, on a write. */
export const reconnectsOnReply = (error: Error): boolean => error.message.startsWith("READONLY");

/**
 * A Sentinel client that only quit() or disconnect() end for good.
 *
 * ioredis ends a Sentinel client for good (every later command fails with "Connection is closed.", and it never
 * reconnects) when a connection attempt is cut off while it asks a Sentinel where the primary is. The failover
 * detector of the connection before does exactly that: when the primary is killed, the client reconnects (asking
 * the Sentinels, which still name the dead primary, again and again), and when Sentinel announces the promoted
 * replica, the detector cuts off whatever attempt is under way. Cut off while asking, the broker refused every
 * call until restarted. Any such end starts a new connection, after the usual backoff.
 */
class ReconnectingSentinelClient extends Redis {
  private endedByCaller = false;
  private endsInARow = 0;
  private restart: NodeJS.Timeout | undefined;

  constructor(options: RedisOptions) {
    super(options);
    this.on("ready", () => {
      this.endsInARow = 0;
    });
    this.on("end", () => {
      if (!this.endedByCaller) this.restartAfter(reconnectDelay(++this.endsInARow));
    });
  }

  private restartAfter(delayMs: number): void {
    this.restart = setTimeout(() => {
      this.restart = undefined;
      if (!this.endedByCaller && this.status === "end") this.connect().catch(() => {});
    }, delayMs);
  }

  override disconnect(reconnect = false): void {
    if (!reconnect) {
      this.endedByCaller = true;
      clearTimeout(this.restart);
    }
    super.disconnect(reconnect);
  }

  override sendCommand(command: Command, stream?: Parameters<Redis["sendCommand"]>[1]): unknown {
    if (command.name === "quit") this.endedByCaller = true;
    return super.sendCommand(command, stream);
  }
}

/**
 * The primary a set of Sentinels names. Every reconnection asks the Sentinels again, so after a failover the
 * client lands on the new primary; a client still connected to a demoted primary (a failover without a crash)
 * reconnects on its first READONLY reply, and the failover detector reconnects it as soon as Sentinel announces
 * the switch. The failed command itself is not re-sent.
 */
export const createSentinelClient = (
  sentinels: RedisNodeAddress[],
  name: string,
  opts: RedisClientOptions = {},
): Redis => {
  const client = new ReconnectingSentinelClient({
    ...failClosedOptions(opts),
    sentinels,
    name,
    role: "master",
    enableOfflineQueue: false,
    retryStrategy: reconnectDelay,
    sentinelRetryStrategy: reconnectDelay,
    sentinelCommandTimeout: opts.connectTimeoutMs ?? 500,
    failoverDetector: true,
    reconnectOnError: (error) => (reconnectsOnReply(error) ? 1 : false),
    lazyConnect: false,
  });
  client.on("error", (error: Error) => opts.onError?.(error));
  return client;
};

export function createStoreClient(target: RedisTarget, opts: RedisClientOptions = {}): RedisClient {
  switch (target.kind) {
    case "server":
      return createRedisClient(target.url, opts);
    case "cluster":
      return createClusterClient(target.nodes, opts);
    case "sentinel":
      return createSentinelClient(target.sentinels, target.name, opts);
  }
}
