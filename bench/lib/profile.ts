// Profiling a broker path: a fresh `leash serve` under node --cpu-prof, loaded with one scenario.
import { copyFile, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CpuProfile, type ProfileSummary, summariseProfile } from "./cpuprofile.ts";
import { startLeashServe } from "./leash.ts";
import type { LoadGenerator } from "./load-generator.ts";
import { loadSpec } from "./measure.ts";
import { type HttpScenario, probeScenario } from "./scenarios.ts";
import type { BenchSettings } from "./settings.ts";
import type { Stack } from "./stack.ts";

const PROFILES_DIR = fileURLToPath(new URL("../profiles", import.meta.url));

export interface ProfileResult {
  scenario: string;
  /** bench/profiles/<name>.cpuprofile, next to <name>.window.json (the window under load). */
  file: string;
  rps: number;
  p99Ms: number;
  summary: ProfileSummary;
  /** Set when some answers under load were not 2xx. */
  note?: string;
}

export async function profileScenario(
  settings: BenchSettings,
  stack: Stack,
  load: LoadGenerator,
  scenario: HttpScenario,
  name: string,
): Promise<ProfileResult> {
  const dir = join(stack.workDir, "profiles", name);
  await mkdir(dir, { recursive: true });
  const server = await startLeashServe(stack.install, `leash-profile-${name}`, {
    nodeArgs: ["--cpu-prof", "--cpu-prof-dir", dir],
  });
  await probeScenario(server.url, scenario);
  await load.run(loadSpec(scenario, [server.url], settings.profileConcurrency, settings.warmupSec));
  // The profile covers the whole process (start-up included); only samples taken under load are summarised.
  // V8 stamps samples with the monotonic clock process.hrtime reads, so the window can be taken here.
  const fromUs = Number(process.hrtime.bigint() / 1000n);
  const result = await load.run(
    loadSpec(scenario, [server.url], settings.profileConcurrency, settings.profileSec),
  );
  const toUs = Number(process.hrtime.bigint() / 1000n);
  const refused = Object.entries(result.statusCodes).filter(([code]) => !code.startsWith("2"));
  const refusedCount = refused.reduce((n, [, count]) => n + count, 0);
  const note =
    refusedCount > 0
      ? `${refusedCount} of ${result.requests} answers were not 2xx (${refused.map(([code, n]) => `${code}×${n}`).join(", ")}): the profile mixes in the refusal path; see the broker log (BENCH_KEEP=1)`
      : undefined;
  // The profile is written when the process exits.
  await server.service.stop(20_000);
  // CPU.<date>.<time>.<pid>.<thread>.<seq>.cpuprofile; thread 0 is the main thread (tsx's loader has a worker).
  const written = (await readdir(dir)).find((f) => /^CPU\.\d+\.\d+\.\d+\.0\.\d+\.cpuprofile$/.test(f));
  if (!written) throw new Error(`no .cpuprofile written for ${name}:\n${server.service.logTail()}`);
  const profile = JSON.parse(await readFile(join(dir, written), "utf8")) as CpuProfile;
  await mkdir(PROFILES_DIR, { recursive: true });
  const kept = join(PROFILES_DIR, `${name}.cpuprofile`);
  await copyFile(join(dir, written), kept);
  await writeFile(kept.replace(/\.cpuprofile$/, ".window.json"), JSON.stringify({ fromUs, toUs }));
  return {
    scenario: scenario.id,
    file: kept,
    rps: result.rps,
    p99Ms: result.p99Ms,
    summary: summariseProfile(profile, 25, { fromUs, toUs }),
    ...(note ? { note } : {}),
  };
}
