// Reads a V8 .cpuprofile (node --cpu-prof) and says where the time went: self time per function, inclusive time
// for leash's own functions, and self time per package.

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
}

export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples?: number[];
  timeDeltas?: number[];
}

export interface FunctionTime {
  name: string;
  where: string;
  ms: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of the profile spent idle (waiting on I/O): what is left is on-CPU. */
  idlePercent: number;
  topSelf: FunctionTime[];
  /** Inclusive time of leash's own functions (a function counted once per sample even when recursive). */
  topLeashInclusive: FunctionTime[];
  byPackage: { package: string; ms: number; percent: number }[];
}

const ROOT = /^file:\/\/.*?\/(?:main|leash)\//;

/**
 * Where a frame lives, short: `node_modules/pino/lib/tools.js:12`, `node:net:310`, `dist/enforce/authorize.js:40`.
 */
function location(frame: CallFrame): string {
  if (!frame.url) return "";
  const url = frame.url.replace(ROOT, "");
  return frame.lineNumber === 0 ? url : `${url}:${frame.lineNumber + 1}`;
}

function packageOf(frame: CallFrame): string {
  const url = frame.url;
  if (!url) {
    if (frame.functionName.startsWith("(")) return frame.functionName;
    return "(native)";
  }
  if (url.startsWith("node:")) return url;
  const nodeModules = url.lastIndexOf("/node_modules/");
  if (nodeModules >= 0) {
    const rest = url.slice(nodeModules + "/node_modules/".length).split("/");
    const name = rest[0]!.startsWith("@") ? `${rest[0]}/${rest[1]}` : rest[0]!;
    return `node_modules/${name}`;
  }
  const own = url.match(/\/((?:src|dist)\/[^/]+)\//);
  if (own) return own[1]!;
  return url.replace(ROOT, "");
}

const displayName = (frame: CallFrame) => frame.functionName || "(anonymous)";

/** leash's own code: its compiled dist/ (as the bench runs it) or its TypeScript sources. */
const isLeash = (frame: CallFrame) =>
  /\/(?:src|dist)\//.test(frame.url) && !frame.url.includes("/node_modules/");

/** A time window in the profile's clock (CLOCK_MONOTONIC microseconds, as process.hrtime.bigint() / 1000n). */
export interface SampleWindow {
  fromUs: number;
  toUs: number;
}

/** Summarises the samples taken inside window (all of them without one), e.g. only while load was applied. */
export function summariseProfile(profile: CpuProfile, top = 20, window?: SampleWindow): ProfileSummary {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);

  // Time per sample from timeDeltas (the delta before sample i+1 belongs to sample i), else spread evenly.
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  const totalUs = profile.endTime - profile.startTime;
  const selfUs = new Map<number, number>();
  if (samples.length > 0) {
    let at = profile.startTime;
    for (let i = 0; i < samples.length; i++) {
      at += deltas[i] ?? 0;
      if (window && (at < window.fromUs || at > window.toUs)) continue;
      const us = i + 1 < deltas.length ? deltas[i + 1]! : totalUs / samples.length;
      selfUs.set(samples[i]!, (selfUs.get(samples[i]!) ?? 0) + Math.max(0, us));
    }
  } else {
    const hits = profile.nodes.reduce((sum, node) => sum + (node.hitCount ?? 0), 0) || 1;
    for (const node of profile.nodes) selfUs.set(node.id, ((node.hitCount ?? 0) * totalUs) / hits);
  }
  const sumUs = [...selfUs.values()].reduce((a, b) => a + b, 0) || 1;
  const pct = (us: number) => Math.round((us / sumUs) * 1000) / 10;
  const ms = (us: number) => Math.round(us / 100) / 10;

  const keyOf = (frame: CallFrame) => `${displayName(frame)}@${location(frame)}`;
  const self = new Map<string, { frame: CallFrame; us: number }>();
  const packages = new Map<string, number>();
  const inclusive = new Map<string, { frame: CallFrame; us: number }>();
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const key = keyOf(node.callFrame);
    const entry = self.get(key) ?? { frame: node.callFrame, us: 0 };
    entry.us += us;
    self.set(key, entry);
    const pkg = packageOf(node.callFrame);
    packages.set(pkg, (packages.get(pkg) ?? 0) + us);
    // Walk to the root once per distinct leaf node, counting each leash function once per stack.
    const seen = new Set<string>();
    for (let at: number | undefined = id; at !== undefined; at = parent.get(at)) {
      const frame = byId.get(at)!.callFrame;
      if (!isLeash(frame)) continue;
      const fnKey = keyOf(frame);
      if (seen.has(fnKey)) continue;
      seen.add(fnKey);
      const entry = inclusive.get(fnKey) ?? { frame, us: 0 };
      entry.us += us;
      inclusive.set(fnKey, entry);
    }
  }
  const ranked = (map: Map<string, { frame: CallFrame; us: number }>) =>
    [...map.values()]
      .sort((a, b) => b.us - a.us)
      .slice(0, top)
      .map(({ frame, us }) => ({
        name: displayName(frame),
        where: location(frame) || packageOf(frame),
        ms: ms(us),
        percent: pct(us),
      }));
  const idleUs = [...self.entries()]
    .filter(([key]) => key.startsWith("(idle)"))
    .reduce((s, [, e]) => s + e.us, 0);
  return {
    totalMs: ms(sumUs),
    idlePercent: pct(idleUs),
    topSelf: ranked(self),
    topLeashInclusive: ranked(inclusive),
    byPackage: [...packages.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({ package: name, ms: ms(us), percent: pct(us) })),
  };
}

export function formatProfileSummary(title: string, summary: ProfileSummary): string {
  const lines = [`${title}: ${summary.totalMs} ms sampled, ${summary.idlePercent}% idle`];
  const section = (heading: string, rows: string[]) =>
    lines.push("", `  ${heading}`, ...rows.map((r) => `    ${r}`));
  const row = (f: FunctionTime) => `${f.percent.toFixed(1).padStart(5)}%  ${f.name}  ${f.where}`;
  section("top self time (% of all samples)", summary.topSelf.map(row));
  section(
    "self time by package",
    summary.byPackage.map((p) => `${p.percent.toFixed(1).padStart(5)}%  ${p.package}`),
  );
  section("leash functions, inclusive time", summary.topLeashInclusive.map(row));
  return lines.join("\n");
}
