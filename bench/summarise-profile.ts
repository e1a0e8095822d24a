// `tsx bench/summarise-profile.ts file.cpuprofile [top]`: the top self-time functions of a node --cpu-prof profile.
import { readFile } from "node:fs/promises";
import { type CpuProfile, formatProfileSummary, summariseProfile } from "./lib/cpuprofile.ts";

const [file, top] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: tsx bench/summarise-profile.ts <file.cpuprofile> [top]\n");
  process.exit(2);
}
const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
process.stdout.write(`${formatProfileSummary(file, summariseProfile(profile, Number(top ?? 25)))}\n`);
