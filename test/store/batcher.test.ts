import { describe, expect, it } from "vitest";
import { Batcher } from "../../src/store/redis/batcher.ts";

/** A send whose batches are recorded and answered only when the test says so. */
function controlledSend() {
  const batches: Array<{ key: string; items: number[]; answer: (fail?: Error) => void }> = [];
  const send = (key: string, items: number[]) =>
    new Promise<number[]>((resolve, reject) => {
      batches.push({
        key,
        items,
        answer: (fail) => (fail ? reject(fail) : resolve(items.map((item) => item * 10))),
      });
    });
  return { batches, send };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe("Batcher", () => {
  it("sends a lone call at once, by itself", async () => {
    const { batches, send } = controlledSend();
    const batcher = new Batcher(send, 100, 10_000);
    const result = batcher.submit("a", 1);
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1]]);
    batches[0]!.answer();
    await expect(result).resolves.toBe(10);
  });

  it("holds calls made while a batch is in flight and sends them together when it returns", async () => {
    const { batches, send } = controlledSend();
    const batcher = new Batcher(send, 100, 10_000);
    const first = batcher.submit("a", 1);
    await tick();
    const later = [2, 3, 4].map((n) => batcher.submit("a", n));
    await tick();
    expect(batches).toHaveLength(1);
    batches[0]!.answer();
    await expect(first).resolves.toBe(10);
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1], [2, 3, 4]]);
    batches[1]!.answer();
    await expect(Promise.all(later)).resolves.toEqual([20, 30, 40]);
  });

  it("keeps keys apart: one key's batch in flight does not hold another's", async () => {
    const { batches, send } = controlledSend();
    const batcher = new Batcher(send, 100, 10_000);
    void batcher.submit("a", 1);
    await tick();
    void batcher.submit("b", 2);
    await tick();
    expect(batches.map((b) => [b.key, b.items])).toEqual([
      ["a", [1]],
      ["b", [2]],
    ]);
  });

  it("splits a long queue into batches of at most maxBatch, in order", async () => {
    const { batches, send } = controlledSend();
    const batcher = new Batcher(send, 2, 10_000);
    const results = [1, 2, 3, 4, 5].map((n) => batcher.submit("a", n));
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1, 2], [3, 4], [5]]);
    for (const batch of batches) batch.answer();
    await expect(Promise.all(results)).resolves.toEqual([10, 20, 30, 40, 50]);
  });

  it("fails every call of a failed batch, and the next batch still goes out", async () => {
    const { batches, send } = controlledSend();
    const batcher = new Batcher(send, 100, 10_000);
    const failing = [1, 2].map((n) => batcher.submit("a", n));
    await tick();
    const next = batcher.submit("a", 3);
    batches[0]!.answer(new Error("connection lost"));
    for (const call of failing) await expect(call).rejects.toThrow("connection lost");
    await tick();
    batches[1]!.answer();
    await expect(next).resolves.toBe(30);
  });

  it("fails the batch when the answer does not have one result per call", async () => {
    const batcher = new Batcher(async () => [1], 100, 10_000);
    await expect(Promise.all([batcher.submit("a", 1), batcher.submit("a", 2)])).rejects.toThrow(
      "a batch of 2 returned 1 results",
    );
  });

  it("fails the batch when send throws before returning a promise", async () => {
    const batcher = new Batcher<number, number>(
      () => {
        throw new Error("bad arguments");
      },
      100,
      10_000,
    );
    await expect(batcher.submit("a", 1)).rejects.toThrow("bad arguments");
  });

  it("fails a call at its deadline, counted from submission, however many batches are ahead of it", async () => {
    const { batches, send } = controlledSend();
    const batcher = new Batcher(send, 100, 200);
    const started = performance.now();
    const stuck = batcher.submit("a", 1);
    await tick();
    const queued = batcher.submit("a", 2);
    await expect(stuck).rejects.toThrow("no answer within 200 ms");
    await expect(queued).rejects.toThrow("no answer within 200 ms");
    expect(performance.now() - started).toBeLessThan(400);
    // The late answer of the stalled batch changes nothing, and the queued call's batch goes out after it.
    batches[0]!.answer();
    await tick();
    expect(batches.map((b) => b.items)).toEqual([[1], [2]]);
  });

  it("gives each call its own deadline: a later call outlives an earlier one's, and answered calls never fail", async () => {
    const { batches, send } = controlledSend();
    const batcher = new Batcher(send, 100, 200);
    const started = performance.now();
    const answered = batcher.submit("c", 5);
    const first = batcher.submit("a", 1);
    await tick();
    batches.find((batch) => batch.key === "c")!.answer();
    await expect(answered).resolves.toBe(50);
    await new Promise((resolve) => setTimeout(resolve, 120));
    let secondSettled = false;
    const second = batcher.submit("b", 2).finally(() => {
      secondSettled = true;
    });
    await expect(first).rejects.toThrow("no answer within 200 ms");
    expect(secondSettled).toBe(false);
    await expect(second).rejects.toThrow("no answer within 200 ms");
    expect(performance.now() - started).toBeGreaterThanOrEqual(310);
  });
});
