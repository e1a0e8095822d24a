// Redis time by command, from `INFO commandstats` read before and after a measured round. Its usec counts command
// execution only, not reading and writing the sockets nor the AOF, which is why it sits below redis-server's process
// CPU. Commands a script runs (redis.call) are counted under their own names as well, and their time is also inside
// the script's evalsha usec: the figures overlap and do not add up to a total.
import type { Redis } from "ioredis";

/** Per command (Redis's lower-case name, e.g. "evalsha", "client|setname"): calls and microseconds executing. */
export type CommandStats = Map<string, { calls: number; usec: number }>;

export interface RedisCommandCost {
  command: string;
  usPerRequest: number;
  callsPerRequest: number;
}

/** Not a command: the socket reads Redis made (INFO stats), tallied alongside the commands. */
export const SOCKET_READS = "(socket reads)";

/** The bench's own INFO reads, which fall inside the window they measure. */
const OWN_COMMANDS = new Set(["info"]);

async function readCommandStats(client: Redis): Promise<CommandStats> {
  const stats: CommandStats = new Map();
  for (const [, command, calls, usec] of (await client.info("commandstats")).matchAll(
    /^cmdstat_([^:]+):calls=(\d+),usec=(\d+)/gm,
  )) {
    stats.set(command!, { calls: Number(calls), usec: Number(usec) });
  }
  // How many times Redis read a client socket: a client's writes that arrive apart are read apart, so this counts
  // the round trips' socket writes that commands and pipelines cost, whatever they carried.
  const reads = /^total_reads_processed:(\d+)/m.exec(await client.info("stats"))?.[1];
  if (reads !== undefined) stats.set(SOCKET_READS, { calls: Number(reads), usec: 0 });
  return stats;
}

/** Runs `work` and adds to `totals` the calls and usec of each command Redis executed meanwhile. */
export async function tallyCommands<T>(
  client: Redis,
  totals: CommandStats,
  work: () => Promise<T>,
): Promise<T> {
  const before = await readCommandStats(client);
  const result = await work();
  for (const [command, after] of await readCommandStats(client)) {
    if (OWN_COMMANDS.has(command)) continue;
    const was = before.get(command) ?? { calls: 0, usec: 0 };
    const sum = totals.get(command) ?? { calls: 0, usec: 0 };
    totals.set(command, {
      calls: sum.calls + after.calls - was.calls,
      usec: sum.usec + after.usec - was.usec,
    });
  }
  return result;
}

/** Each command that ran, per HTTP request, most time first. */
export const costPerRequest = (totals: CommandStats, requests: number): RedisCommandCost[] =>
  [...totals]
    .filter(([, stat]) => stat.calls > 0)
    .map(([command, stat]) => ({
      command,
      usPerRequest: stat.usec / requests,
      callsPerRequest: stat.calls / requests,
    }))
    .sort((a, b) => b.usPerRequest - a.usPerRequest);
