// A load generator for fault tests: loops that authorize continuously against given brokers and record every answer.
import { setTimeout as sleep } from "node:timers/promises";
import { type Answer, call } from "./fleet.ts";

export interface LoadRecord extends Answer {
  broker: number;
  token: number;
}

export interface Load {
  records: LoadRecord[];
  /** Stops the loops and waits for the requests in flight. */
  stop(): Promise<LoadRecord[]>;
}

export const STAGING_VOLUME = "railway:prj_demo/env/staging/volume/v1";

/** `loops` concurrent loops, each picking a broker and a token in turn and asking to read a staging volume. */
export function startAuthorizeLoad(options: {
  urls: string[];
  tokens: string[];
  loops: number;
  action?: string;
  resource?: string;
  timeoutMs?: number;
}): Load {
  const records: LoadRecord[] = [];
  let running = true;
  const loop = async (index: number) => {
    let i = index;
    while (running) {
      const broker = i % options.urls.length;
      const token = i % options.tokens.length;
      i += options.loops;
      const answer = await call(options.urls[broker]!, "POST", "/v1/authorize", {
        body: {
          token: options.tokens[token],
          action: options.action ?? "volume:read",
          resource: options.resource ?? STAGING_VOLUME,
        },
        timeoutMs: options.timeoutMs ?? 5_000,
      });
      records.push({ ...answer, broker, token });
      // A broker that is gone answers at once (connection refused); do not spin on it.
      if (answer.status === 0) await sleep(20);
    }
  };
  const loops = Array.from({ length: options.loops }, (_, index) => loop(index));
  return {
    records,
    stop: async () => {
      running = false;
      await Promise.all(loops);
      return records;
    },
  };
}

export const allowed = (record: Answer) => record.status === 200 && record.body?.allow === true;
export const latency = (record: Answer) => record.answeredAt - record.sentAt;
