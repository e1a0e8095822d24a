import { ManualClock } from "../../src/clock/clock.ts";
import { MemoryStore } from "../../src/store/memory/memory-store.ts";
import { runStoreContract } from "./contract.ts";

runStoreContract("memory", async () => {
  const clock = new ManualClock(1_700_000_000_000);
  const store = new MemoryStore(clock);
  return { store, clock, cleanup: () => store.close() };
});
