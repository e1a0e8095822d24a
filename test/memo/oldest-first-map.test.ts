import { describe, expect, it } from "vitest";
import { OldestFirstMap } from "../../src/memo/oldest-first-map.ts";

/** What the map should hold: a plain Map evicting its first key, rebuilt from the front each time. */
class Reference<K, V> {
  readonly entries = new Map<K, V>();
  constructor(private readonly capacity: number) {}
  set(key: K, value: V) {
    if (this.entries.size >= this.capacity && !this.entries.has(key)) {
      this.entries.delete(this.entries.keys().next().value as K);
    }
    this.entries.set(key, value);
  }
}

describe("OldestFirstMap", () => {
  it("keeps at most its capacity, the entry set longest ago leaving first", () => {
    const map = new OldestFirstMap<string, number>(3);
    for (const [i, key] of ["a", "b", "c", "d"].entries()) map.set(key, i);
    expect(map.size).toBe(3);
    expect(map.get("a")).toBeUndefined();
    expect([map.get("b"), map.get("c"), map.get("d")]).toEqual([1, 2, 3]);
    // Setting a key it holds replaces the value in place: nothing leaves, and the key keeps its turn.
    map.set("b", 10);
    expect(map.size).toBe(3);
    map.set("e", 4);
    expect(map.get("b")).toBeUndefined();
    expect(map.get("c")).toBe(2);
  });

  it("evicts in the order a plain Map would, through deletes, re-sets, clears and an emptied map", () => {
    const capacity = 50;
    const map = new OldestFirstMap<number, number>(capacity);
    const reference = new Reference<number, number>(capacity);
    // A fixed pseudo-random walk over a key space a few times the capacity.
    let seed = 7;
    const random = () => {
      seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648;
      return seed / 2_147_483_648;
    };
    for (let step = 0; step < 20_000; step++) {
      const key = Math.floor(random() * capacity * 3);
      const roll = random();
      if (roll < 0.7) {
        map.set(key, step);
        reference.set(key, step);
      } else if (roll < 0.995) {
        map.delete(key);
        reference.entries.delete(key);
      } else if (roll < 0.998) {
        // Emptied one by one: eviction starts over from whatever is set next.
        for (const held of [...reference.entries.keys()]) {
          map.delete(held);
          reference.entries.delete(held);
        }
      } else {
        map.clear();
        reference.entries.clear();
      }
      expect(map.size).toBe(reference.entries.size);
      if (step % 500 === 0) {
        for (const [key, value] of reference.entries) expect(map.get(key)).toBe(value);
      }
    }
    for (const [key, value] of reference.entries) expect(map.get(key)).toBe(value);
  });
});
