// Refusal tallies in Redis: one hash per open tally and an index of when each window closes, all in the slot
// `{refusals}`, counted and taken by scripts so several brokers share every tally and each closed one is taken once.
import { createHash } from "node:crypto";
import {
  OVERFLOW_SOURCE,
  type RefusalSample,
  type RefusalStore,
  type RefusalTally,
  type RefusalWindow,
  refusalGroup,
} from "../refusals.ts";
import { failClosed } from "./fail-closed.ts";
import { refusalKeys } from "./keys.ts";
import type { RedisClient } from "./redis-client.ts";
import { defineScripts, type LeashScripts } from "./scripts/registry.ts";

/** A tally's id: the SHA-256 of its group (sources and reasons are the caller's text). */
const tallyId = (group: string) => createHash("sha256").update(group).digest("hex");

/** A tally nobody takes (every broker stopped) goes after a day; its refusals were counted in /metrics anyway. */
const ABANDONED_TALLY_MS = 86_400_000;

export class RedisRefusals implements RefusalStore {
  private readonly commands: LeashScripts;

  constructor(private readonly client: RedisClient) {
    this.commands = defineScripts(client);
  }

  count(sample: RefusalSample, window: RefusalWindow): Promise<void> {
    const overflow = { ...sample, source: OVERFLOW_SOURCE };
    const id = tallyId(refusalGroup(sample));
    const overflowId = tallyId(refusalGroup(overflow));
    return failClosed(async () => {
      await this.commands.leashCountRefusal(
        refusalKeys.tally(id),
        refusalKeys.closing,
        refusalKeys.tally(overflowId),
        String(window.nowMs),
        String(Math.max(1, Math.ceil(window.windowMs))),
        String(window.maxOpen),
        id,
        JSON.stringify(sample),
        overflowId,
        JSON.stringify(overflow),
        String(ABANDONED_TALLY_MS),
      );
    });
  }

  takeClosed(nowMs: number, max: number): Promise<RefusalTally[]> {
    return failClosed(async () => {
      const ids = await this.client.zrangebyscore(refusalKeys.closing, "-inf", nowMs, "LIMIT", 0, max);
      const taken = await Promise.all(
        ids.map(
          async (id) =>
            await this.commands.leashTakeRefusalTally(refusalKeys.tally(id), refusalKeys.closing, id),
        ),
      );
      return taken.flatMap((flat) => {
        if (flat.length === 0) return [];
        const fields = new Map<string, string>();
        for (let i = 0; i + 1 < flat.length; i += 2) fields.set(flat[i]!, flat[i + 1]!);
        // A tally whose hash was lost (expired) has nothing to say; its index entry is gone now too.
        const sample = fields.get("sample");
        if (sample === undefined) return [];
        return [
          {
            ...(JSON.parse(sample) as RefusalSample),
            count: Number(fields.get("count") ?? 0),
            firstAt: Number(fields.get("first") ?? 0),
            lastAt: Number(fields.get("last") ?? 0),
          },
        ];
      });
    });
  }
}
