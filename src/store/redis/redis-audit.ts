// Audit chains in Redis streams: `leash:{env:E}:audit` per environment slot and `leash:{audit}` for the rest, each
// with a head hash (`…:head`: hash, seq, id). Appends run as one Lua script that reads the head, finishes the
// record's SHA-256 and writes record and head together, so any number of broker processes can append at once.
import { type ChainableCommander, Cluster } from "ioredis";
import { sha256Midstate } from "../../audit/midstate.ts";
import {
  type AuditRecordFields,
  canonicalPrefix,
  chainOf,
  decidedFields,
  entryFields,
  GLOBAL_CHAIN,
} from "../../audit/record.ts";
import {
  type AuditDraft,
  type AuditHead,
  type AuditLog,
  type AuditRange,
  auditKeys,
  type StoredAuditEntry,
} from "../audit.ts";
import { AUDIT_APPEND_LUA } from "./audit-scripts.ts";
import { failClosed } from "./fail-closed.ts";
import type { RedisClient } from "./redis-client.ts";

interface AuditCommands {
  leashAuditAppend(...args: Array<string | Buffer>): Promise<[string, string, string, string]>;
}

/** The script arguments that carry an entry's caller-known fields: state, rest, compressed, then name/value pairs. */
export function auditAppendArgs(draft: AuditDraft): Array<string | Buffer> {
  const fields = entryFields(draft.entry);
  const midstate = sha256Midstate(canonicalPrefix(fields));
  const args: Array<string | Buffer> = [midstate.state, midstate.rest, String(midstate.compressed)];
  for (const [name, value] of fields) args.push(name, value);
  return args;
}

/** The stream and head keys of the chain an entry belongs to. */
export const auditChainKeys = (draft: AuditDraft): [string, string] => {
  const chain = chainOf(draft.entry.environment);
  return [auditKeys.stream(chain), auditKeys.head(chain)];
};

const SCAN_BATCH = 1000;

export class RedisAudit implements AuditLog {
  private readonly commands: AuditCommands;

  constructor(private readonly client: RedisClient) {
    client.defineCommand("leashAuditAppend", { lua: AUDIT_APPEND_LUA, numberOfKeys: 2 });
    this.commands = client as unknown as AuditCommands;
  }

  /** Queues an append on a pipeline (after a revocation marker, in the same round trip). */
  queueAppend(pipeline: ChainableCommander, draft: AuditDraft): void {
    (pipeline as unknown as AuditCommands).leashAuditAppend(...this.appendArgs(draft));
  }

  append(draft: AuditDraft): Promise<AuditRecordFields & { id: string; chain: string }> {
    return failClosed(async () => {
      const [id, seq, prev, hash] = await this.commands.leashAuditAppend(...this.appendArgs(draft));
      const decided = Object.fromEntries(decidedFields(draft.entry));
      return {
        ...(Object.fromEntries(entryFields(draft.entry)) as Record<string, string>),
        ...decided,
        seq,
        prev,
        hash,
        id,
        chain: chainOf(draft.entry.environment),
      } as AuditRecordFields & { id: string; chain: string };
    });
  }

  private appendArgs(draft: AuditDraft): Array<string | Buffer> {
    const [decision, reason, limit] = decidedFields(draft.entry).map(([, value]) => value);
    return [
      ...auditChainKeys(draft),
      String(draft.entry.time),
      decision!,
      reason!,
      limit!,
      ...auditAppendArgs(draft),
    ];
  }

  registerChains(environments: string[]): Promise<void> {
    return failClosed(async () => {
      if (environments.length > 0) await this.client.sadd(auditKeys.chains, ...environments);
    });
  }

  chains(): Promise<string[]> {
    return failClosed(async () => {
      const registered = await this.client.smembers(auditKeys.chains);
      // Streams written by a broker whose environments were never registered here are found by their key.
      // SCAN walks one server: in a Redis Cluster, walk every primary (each holds its own slots' keys).
      const found: string[] = [];
      const servers = this.client instanceof Cluster ? this.client.nodes("master") : [this.client];
      for (const server of servers) {
        let cursor = "0";
        do {
          const [next, keys] = await server.scan(
            cursor,
            "MATCH",
            "leash:{env:*}:audit",
            "COUNT",
            SCAN_BATCH,
            "TYPE",
            "stream",
          );
          cursor = next;
          for (const key of keys) {
            const match = /^leash:\{env:([^{}]+)\}:audit$/.exec(key);
            if (match) found.push(match[1]!);
          }
        } while (cursor !== "0");
      }
      const environments = [...new Set([...registered, ...found])].sort();
      return [GLOBAL_CHAIN, ...environments.map((env) => chainOf(env))];
    });
  }

  head(chain: string): Promise<AuditHead | null> {
    return failClosed(async () => {
      const [hash, seq, id] = await this.client.hmget(auditKeys.head(chain), "hash", "seq", "id");
      if (!hash || !seq || !id) return null;
      return { hash, seq: Number(seq), id };
    });
  }

  range(chain: string, range: AuditRange): Promise<StoredAuditEntry[]> {
    return failClosed(async () => {
      const key = auditKeys.stream(chain);
      const entries = range.reverse
        ? await this.client.xrevrange(key, range.end ?? "+", range.start ?? "-", "COUNT", range.count)
        : await this.client.xrange(key, range.start ?? "-", range.end ?? "+", "COUNT", range.count);
      return entries.map(([id, flat]) => {
        const fields: Array<[string, string]> = [];
        for (let i = 0; i + 1 < flat.length; i += 2) fields.push([flat[i]!, flat[i + 1]!]);
        return { chain, id, fields };
      });
    });
  }
}
