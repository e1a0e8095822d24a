// In-process speed on the labelled cases, as a floor far below the bench's figure (bench/guard-hook.ts). Measured in
// CPU time of this process, not wall time: on a loaded machine other processes take the cores, not the guard.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
import { OWN_GUARD_CASES } from "../helpers/guard-corpus.ts";

const cpuSeconds = (since: NodeJS.CpuUsage) => {
  const used = process.cpuUsage(since);
  return (used.user + used.system) / 1e6;
};

it("classifies thousands of commands per second of CPU", () => {
  const commands = readFileSync(OWN_GUARD_CASES, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l).cmd as string);
  for (let i = 0; i < 3000; i++) classify(commands[i % commands.length]!, { env: "staging" });
  const n = 20_000;
  const started = process.cpuUsage();
  for (let i = 0; i < n; i++) classify(commands[i % commands.length]!, { env: "staging" });
  const perCpuSecond = Math.round(n / cpuSeconds(started));
  console.log(
    `[guard] in-process: ${perCpuSecond} commands per CPU second over ${commands.length} distinct commands (the project's labelled cases)`,
  );
  expect(perCpuSecond).toBeGreaterThan(2000);
  // 23,000 classifications: a few seconds alone, several times that on a loaded machine. The floor is in CPU time;
  // the wall-time bound only ends a hang.
}, 120_000);
