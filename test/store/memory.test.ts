import { memoryStoreFixture, runStoreContract } from "./contract.ts";

runStoreContract("memory", async () => memoryStoreFixture());
