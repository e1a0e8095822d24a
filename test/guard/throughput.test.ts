// In-process speed on the labelled cases; printed, with a loose floor so a loaded CI machine does not flake.
import { readFileSync } from "node:fs";
import { expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
import { OWN_GUARD_CASES } from "../helpers/guard-corpus.ts";

it("classifies thousands of commands per second", () => {
  const commands = [OWN_GUARD_CASES].flatMap((url) =>
    readFileSync(url, "utf8")
      .split("\n")
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l).cmd as string),
  );
  for (let i = 0; i < 3000; i++) classify(commands[i % commands.length]!, { env: "staging" });
  const n = 20_000;
  const started = performance.now();
  for (let i = 0; i < n; i++) classify(commands[i % commands.length]!, { env: "staging" });
  const perSecond = Math.round((n / (performance.now() - started)) * 1000);
  console.log(
    `[guard] in-process: ${perSecond} commands/s over ${commands.length} distinct commands (the project's labelled cases)`,
  );
  expect(perSecond).toBeGreaterThan(2000);
});
