// Audit chains in Redis streams: `leash:{env:E}:audit` per environment slot and `leash:{audit}` for the rest (a
// record is one field, `record`, its canonical JSON; format-2 records, a field each, are read as they are), each
// with a head hash (`…:head`: seq, id; sealed_seq, sealed_id, sealed_hash) and a seal stream (`…:seals`). Appends
// run as one Lua script that numbers the records and writes them with the head (a chain's appends made while its
// previous ones are in Redis go together), so any number of broker processes can append at once; seals are written with a compare-and-set script on the head's sealed position.
import { type ChainableCommander, Cluster } from "ioredis";
import {
  type AppendedAuditRecord,
  AUDIT_SEAL_FIELDS,
  type AuditDraft,
  type AuditHead,
  type AuditLog,
  type AuditRange,
  type AuditSeal,
  type SealedPosition,
  type StoredAuditEntry,
  type StoredAuditSeal,
} from "../audit.ts";
import { auditRecordToSeq, auditValueToSeqOf, chainOf, GENESIS_HASH, GLOBAL_CHAIN } from "../audit-record.ts";
import { wholeMs } from "../records.ts";
import { Batcher } from "./batcher.ts";
import { failClosed } from "./fail-closed.ts";
import { auditKeys } from "./keys.ts";
import { DEFAULT_COMMAND_TIMEOUT_MS, type RedisClient } from "./redis-client.ts";
import { auditChainKeys, auditValueToSeq } from "./scripts/audit-scripts.ts";
import { defineScripts, type LeashScripts, scriptsOn } from "./scripts/registry.ts";

const SCAN_BATCH = 1000;

type StreamEntries = Array<[string, string[]]>;

/** Records per append script call: bounds how long one call holds Redis. */
const MAX_APPEND_BATCH = 64;

/** One record waiting to be appended: its chain's keys, its time and its value up to seq's. */
interface QueuedAppend {
  stream: string;
  head: string;
  nowMs: string;
  valueToSeq: string;
}

const pairs = (flat: string[]): Array<[string, string]> => {
  const fields: Array<[string, string]> = [];
  for (let i = 0; i + 1 < flat.length; i += 2) fields.push([flat[i]!, flat[i + 1]!]);
  return fields;
};

export class RedisAudit implements AuditLog {
  private readonly commands: LeashScripts;

  /**
   * Appends to a chain while its previous appends are in Redis wait and leave together, in one script call that
   * reads and writes the chain's head once (batcher.ts): under load, one call per round trip instead of one per
   * record. Each append keeps its own deadline, `commandTimeoutMs`.
   */
  private readonly appends: Batcher<QueuedAppend, [string, string]>;

  constructor(
    private readonly client: RedisClient,
    commandTimeoutMs = DEFAULT_COMMAND_TIMEOUT_MS,
  ) {
    this.commands = defineScripts(client);
    this.appends = new Batcher(
      async (_stream, queued) => {
        const args = [queued[0]!.stream, queued[0]!.head];
        for (const append of queued) args.push(append.nowMs, append.valueToSeq);
        const flat = await this.commands.leashAuditAppendBatch(...args);
        return queued.map((_, i): [string, string] => [flat[2 * i]!, flat[2 * i + 1]!]);
      },
      MAX_APPEND_BATCH,
      commandTimeoutMs,
    );
  }

  /** Queues an append on a pipeline (after a revocation marker, in the same round trip). */
  queueAppend(pipeline: ChainableCommander, draft: AuditDraft): void {
    scriptsOn(pipeline).leashAuditAppend(...this.appendArgs(draft));
  }

  append(draft: AuditDraft): Promise<AppendedAuditRecord> {
    return failClosed(async () => {
      const record = auditRecordToSeq(draft.entry);
      const [stream, head] = auditChainKeys(draft);
      const [id, seq] = await this.appends.submit(stream, {
        stream,
        head,
        nowMs: String(draft.entry.time),
        valueToSeq: auditValueToSeqOf(record),
      });
      // Object.assign, not a spread: `{ ...record, seq }` costs V8 tens of times more for an object this size.
      return Object.assign(record, { seq, id, chain: chainOf(draft.entry.environment) });
    });
  }

  private appendArgs(draft: AuditDraft): string[] {
    return [...auditChainKeys(draft), String(draft.entry.time), auditValueToSeq(draft)];
  }

  registerChains(environments: string[]): Promise<void> {
    return failClosed(async () => {
      if (environments.length > 0) await this.client.sadd(auditKeys.chains, ...environments);
    });
  }

  chains(options: { registeredOnly?: boolean } = {}): Promise<string[]> {
    return failClosed(async () => {
      const registered = await this.client.smembers(auditKeys.chains);
      // Streams written by a broker whose environments were never registered here are found by their key.
      // SCAN walks one server: in a Redis Cluster, walk every primary (each holds its own slots' keys).
      const found: string[] = [];
      const servers = options.registeredOnly
        ? []
        : this.client instanceof Cluster
          ? this.client.nodes("master")
          : [this.client];
      for (const server of servers) {
        let cursor = "0";
        do {
          const [next, keys] = await server.scan(
            cursor,
            "MATCH",
            auditKeys.environmentStreams,
            "COUNT",
            SCAN_BATCH,
            "TYPE",
            "stream",
          );
          cursor = next;
          for (const key of keys) {
            const env = auditKeys.environmentOfStream(key);
            if (env !== null) found.push(env);
          }
        } while (cursor !== "0");
      }
      const environments = [...new Set([...registered, ...found])].sort();
      return [GLOBAL_CHAIN, ...environments.map((env) => chainOf(env))];
    });
  }

  head(chain: string): Promise<AuditHead | null> {
    return failClosed(async () => {
      const [seq, id, sealedSeq, sealedId, sealedHash] = await this.client.hmget(
        auditKeys.head(chain),
        "seq",
        "id",
        "sealed_seq",
        "sealed_id",
        "sealed_hash",
      );
      if (!seq || !id) return null;
      return {
        seq: Number(seq),
        id,
        sealed: { seq: Number(sealedSeq ?? 0), id: sealedId ?? "", hash: sealedHash ?? GENESIS_HASH },
      };
    });
  }

  range(chain: string, range: AuditRange): Promise<StoredAuditEntry[]> {
    return failClosed(() => this.read(auditKeys.stream(chain), chain, range));
  }

  seals(chain: string, range: AuditRange): Promise<StoredAuditSeal[]> {
    return failClosed(() => this.read(auditKeys.seals(chain), chain, range));
  }

  writeSeal(chain: string, expected: SealedPosition, seal: AuditSeal): Promise<boolean> {
    return failClosed(async () => {
      const written = await this.commands.leashAuditSeal(
        auditKeys.head(chain),
        auditKeys.seals(chain),
        String(expected.seq),
        expected.hash,
        ...AUDIT_SEAL_FIELDS.map((field) => String(seal[field])),
      );
      return written === 1;
    });
  }

  claimSealing(chain: string, owner: string, ttlMs: number): Promise<boolean> {
    return failClosed(
      async () =>
        (await this.commands.leashAuditClaimSealing(
          auditKeys.sealer(chain),
          owner,
          String(wholeMs(ttlMs)),
        )) === 1,
    );
  }

  releaseSealing(chain: string, owner: string): Promise<void> {
    return failClosed(async () => {
      await this.commands.leashDeleteIfValue(auditKeys.sealer(chain), owner);
    });
  }

  trim(chain: string, minId: string): Promise<void> {
    return failClosed(async () => {
      // Records and their seals go together (one slot, one transaction): never a seal without its records.
      const results = await this.client
        .multi()
        .xtrim(auditKeys.stream(chain), "MINID", minId)
        .xtrim(auditKeys.seals(chain), "MINID", minId)
        .exec();
      const failed = results?.find(([error]) => error)?.[0];
      if (failed) throw failed;
    });
  }

  /** A chain's records or its seals (the same shape: stream id and fields in stored order). */
  private async read(key: string, chain: string, range: AuditRange): Promise<StoredAuditEntry[]> {
    const entries = (
      range.reverse
        ? await this.client.xrevrange(key, range.end ?? "+", range.start ?? "-", "COUNT", range.count)
        : await this.client.xrange(key, range.start ?? "-", range.end ?? "+", "COUNT", range.count)
    ) as StreamEntries;
    return entries.map(([id, flat]) => ({ chain, id, fields: pairs(flat) }));
  }
}
