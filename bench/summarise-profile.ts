// `tsx bench/summarise-profile.ts [--top N] file.cpuprofile…`: where node --cpu-prof profiles spent their time.
// When the bench left a `<name>.window.json` next to a profile, only the samples taken under load are counted.
import { readFile } from "node:fs/promises";
import {
  type CpuProfile,
  formatProfileSummary,
  type SampleWindow,
  summariseProfile,
} from "./lib/cpuprofile.ts";

const args = process.argv.slice(2);
const topAt = args.indexOf("--top");
const top = topAt >= 0 ? Number(args.splice(topAt, 2)[1]) : 25;
if (args.length === 0 || !Number.isInteger(top) || top < 1) {
  process.stderr.write("usage: tsx bench/summarise-profile.ts [--top N] <file.cpuprofile>...\n");
  process.exit(2);
}
for (const file of args) {
  const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
  const window = await readFile(file.replace(/\.cpuprofile$/, ".window.json"), "utf8").then(
    (text) => JSON.parse(text) as SampleWindow,
    () => undefined,
  );
  const title = window ? `${file} (samples under load only)` : file;
  process.stdout.write(`${formatProfileSummary(title, summariseProfile(profile, top, window))}\n\n`);
}
