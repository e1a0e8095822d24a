// `tsx bench/summarise-profile.ts file.cpuprofile [top]`: where a node --cpu-prof profile spent its time. When the
// bench left a `<name>.window.json` next to it, only the samples taken under load are counted.
import { readFile } from "node:fs/promises";
import {
  type CpuProfile,
  formatProfileSummary,
  type SampleWindow,
  summariseProfile,
} from "./lib/cpuprofile.ts";

const [file, top] = process.argv.slice(2);
if (!file) {
  process.stderr.write("usage: tsx bench/summarise-profile.ts <file.cpuprofile> [top]\n");
  process.exit(2);
}
const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
const window = await readFile(file.replace(/\.cpuprofile$/, ".window.json"), "utf8").then(
  (text) => JSON.parse(text) as SampleWindow,
  () => undefined,
);
const title = window ? `${file} (samples under load only)` : file;
process.stdout.write(
  `${formatProfileSummary(title, summariseProfile(profile, Number(top ?? 25), window))}\n`,
);
