// InfluxDB's `influx` CLI: 2.x commands read by their verbs (`influx bucket delete`, `influx delete`), a full restore,
// bucket retention cut short, the Flux `influx query` runs; and 1.x's `influx -execute`, whose InfluxQL is read here.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import type { CommandTable, Invocation } from "../command.ts";
import { unreadableCode } from "../unreadable-code.ts";
import { DESTRUCTIVE_SQL_NAME } from "../unseen-sql.ts";
import { type VerbCall, verbCli } from "./verb-cli.ts";
import { flagPairs, isZeroDuration, shortRetentions } from "./zero-retention.ts";

/**
 * InfluxQL durations: `30m`, `12h`, `1d`, `500µ`; INF and 0 keep forever. The micro sign is written as an escape:
 * the hook's bundle stays plain ASCII, which Node decodes fastest.
 */
const INFLUX_DURATION = /^(\d+)(ns|u|\u00b5|ms|s|m|h|d|w)$/i;
const SECONDS: Record<string, number> = {
  ns: 1e-9,
  u: 1e-6,
  "\u00b5": 1e-6,
  ms: 1e-3,
  s: 1,
  m: 60,
  h: 3600,
  d: 86400,
  w: 604800,
};

function keepsADayOrLess(duration: string): boolean {
  const m = INFLUX_DURATION.exec(duration);
  if (!m || Number(m[1]) === 0) return false;
  return Number(m[1]) * SECONDS[m[2]!.toLowerCase()]! <= 86400;
}

/**
 * One InfluxQL statement: DROP and DELETE remove series, measurements, shards or whole databases; a retention policy
 * altered to a day or less deletes what is older. SELECT, SHOW, CREATE and the rest lose nothing.
 */
function judgeInfluxQlStatement(statement: string, an: Analysis): void {
  const text = statement.trim();
  const drop = /^drop\s+(database|measurement|series|shard|retention\s+policy|continuous\s+query)\b/i.exec(
    text,
  );
  if (drop) {
    const what = drop[1]!.toLowerCase().replace(/\s+/g, "-");
    an.destroys(
      `InfluxQL DROP ${drop[1]!.toUpperCase()} deletes it and the points it holds`,
      `${what}:delete`,
    );
  } else if (/^delete\b/i.test(text))
    an.destroys("InfluxQL DELETE deletes the points it matches", "point:delete");
  else {
    const duration = /^alter\s+retention\s+policy\b.*\bduration\s+(\S+)/i.exec(text)?.[1];
    if (duration && keepsADayOrLess(duration))
      an.destroys(
        `InfluxQL ALTER RETENTION POLICY DURATION ${duration} deletes what is older`,
        "point:delete",
      );
  }
}

export function analyzeInfluxQl(text: string, an: Analysis): void {
  const code = text.replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g, "''");
  const before = an.findings.length;
  for (const statement of code.split(";")) judgeInfluxQlStatement(statement, an);
  if (an.findings.length === before) an.harmless("InfluxQL that deletes nothing");
}

/** Flux that sends HTTP requests (`http.post`, the `requests` package) can call any API, InfluxDB's delete among them. */
const FLUX_SENDS_REQUESTS = /\bhttp\.post\s*\(|\brequests\.(?:do|post|put|patch|delete)\s*\(/;

/** `influx query 'from(bucket: …)'`: Flux reads and writes points; it deletes nothing unless it sends requests. */
function influxQuery(c: VerbCall, an: Analysis): void {
  const file = c.parsed.value("-f", "--file");
  const text = c.parsed.positionals[1];
  const body = text === undefined ? undefined : c.inv.argv.find((w, i) => i > 0 && w.text === text);
  if (body && unreadableCode(body)) {
    an.uncertain(`influx query runs Flux the guard cannot read (${body.text.slice(0, 40)})`, true);
    return;
  }
  if (body) {
    if (FLUX_SENDS_REQUESTS.test(body.text))
      an.uncertain("influx query runs Flux that sends HTTP requests, which may delete", true);
    else an.harmless("influx query runs Flux that reads and writes points");
    return;
  }
  if (file)
    an.uncertain(
      `influx query runs Flux from ${file}, which the guard cannot read`,
      DESTRUCTIVE_SQL_NAME.test(file),
    );
}

const INFLUX_VALUES = [
  "--host",
  "-t",
  "--token",
  "-o",
  "--org",
  "--org-id",
  "-b",
  "--bucket",
  "--bucket-id",
  "-n",
  "--name",
  "-i",
  "--id",
  "-f",
  "--file",
  "--start",
  "--stop",
  "-p",
  "--predicate",
  "-r",
  "--retention",
  "--configs-path",
  "-c",
  "--active-config",
];

const influxV2 = verbCli("influx", {
  valueFlags: INFLUX_VALUES,
  rules: [
    {
      when: (c) => c.parsed.positionals[0] === "query",
      apply: (c, an) => influxQuery(c, an),
      final: true,
    },
    {
      // A full restore replaces every bucket, token and dashboard on the server with the backup's.
      when: (c) => c.parsed.positionals[0] === "restore",
      apply: (c, an) =>
        c.parsed.has("--full")
          ? an.destroys(
              "influx restore --full replaces all the server's data with the backup's",
              "database:overwrite",
            )
          : an.harmless("influx restore makes the backup's buckets, refusing existing ones"),
      final: true,
    },
    {
      // `influx bucket update --retention 1h` deletes the older points at once; 0 keeps them forever.
      when: (c) => c.parsed.positionals[0] === "bucket" && c.parsed.positionals[1] === "update",
      apply: (c, an) => {
        const cuts = shortRetentions(
          flagPairs(c.inv.args).map(([n, v]): [string, string | true] => [n === "-r" ? "--retention" : n, v]),
        ).filter((cut) => !isZeroDuration(cut.split(" ")[1] ?? ""));
        if (cuts.length)
          an.destroys(
            `influx bucket update ${cuts.join(", ")} deletes the points older than that`,
            "point:delete",
          );
        else an.harmless("influx bucket update keeps the points it holds");
      },
      final: true,
    },
  ],
});

/** 1.x's shell runs the InfluxQL in `-execute`; without it, it is an interactive shell or the 2.x CLI. */
function influx(inv: Invocation, an: Analysis): void {
  const at = inv.args.findIndex((a) => a === "-execute" || a === "--execute" || /^--?execute=/.test(a));
  if (at < 0) {
    influxV2(inv, an);
    return;
  }
  const parsed = parseArgs(inv.args, { singleDashLong: true, valueFlags: flagSet("-execute") });
  // argv holds the program first: the value after args[at] is argv[at + 2].
  const word = inv.args[at]!.includes("=") ? undefined : inv.argv[at + 2];
  const value = parsed.value("-execute") ?? "";
  if (word && unreadableCode(word))
    an.uncertain(`influx -execute runs InfluxQL the guard cannot read (${word.text.slice(0, 40)})`, true);
  else analyzeInfluxQl(value, an);
}

export const influxCommands: CommandTable = { influx };
