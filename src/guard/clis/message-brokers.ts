// Message brokers' limits: a stream or queue told to keep less (a shorter age, fewer messages, a length cap) discards
// what it already holds past the new limit, at once. NATS JetStream streams and KV buckets, RabbitMQ policies,
// Redpanda's rpk (which also trims a partition's oldest records). Kafka's own scripts and kcat, where a null value
// produced to a compacted topic is a tombstone that deletes its key. Pulsar's admin CLIs, whose backlogs cleared or
// skipped are messages never processed.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import type { CommandTable, Invocation } from "../command.ts";
import { verbCli, zeroRetentionFlags } from "./verb-cli.ts";
import { flagPairs, shortRetentionsIn } from "./zero-retention.ts";

/** `nats stream edit` and `nats kv edit` options that cap what is kept; -1 means no limit. */
const NATS_LIMIT =
  /^--(?:max-age|max-msgs|max-bytes|max-msgs-per-subject|max-per-subject|max-bucket-size|history|ttl)$/;
/** The subcommands that change an existing stream or bucket (`update` is `edit`'s alias). */
const NATS_EDITS = /^(?:edit|update)$/;
const NATS_VALUE_FLAGS = /^--(?:server|creds|context|user|password|tlscert|tlskey|tlsca|js-domain|timeout)$/;

function nats(inv: Invocation, an: Analysis): void {
  const words: string[] = [];
  for (let i = 0; i < inv.args.length; i++) {
    const a = inv.args[i]!;
    if (a.startsWith("-")) {
      if (!a.includes("=") && NATS_VALUE_FLAGS.test(a)) i++;
      continue;
    }
    words.push(a);
  }
  const [group, sub] = words;
  if (!/^(?:stream|str|kv|object|obj)$/.test(group ?? "") || !NATS_EDITS.test(sub ?? "")) return;
  const cuts = flagPairs(inv.args).filter(
    ([name, value]) => NATS_LIMIT.test(name) && value !== true && !/^-1$|^unlimited$/i.test(value),
  );
  if (cuts.length)
    an.destroys(
      `nats ${group} ${sub} ${cuts.map(([n, v]) => `${n} ${v}`).join(" ")} discards what is past the new limit`,
      "message:delete",
    );
  else an.harmless(`nats ${group} ${sub} changes settings that keep every message`);
}

const ONE_DAY_MS = 86_400_000;
/**
 * Policy keys that drop messages or queues: a message TTL or queue expiry of a day or less, or any length cap
 * (overflow drops from the head by default).
 */
function policyDrops(definition: string): string[] {
  const found: string[] = [];
  for (const m of definition.matchAll(/"(message-ttl|expires|max-length(?:-bytes)?)"\s*:\s*"?(\d+)/gi)) {
    const key = m[1]!.toLowerCase();
    if (key.startsWith("max-length") || Number(m[2]) <= ONE_DAY_MS) found.push(`${key} ${m[2]}`);
  }
  return found;
}

/** `rabbitmqctl set_policy NAME PATTERN DEFINITION`; set_operator_policy takes the same. */
function rabbitmqctl(inv: Invocation, an: Analysis): void {
  const at = inv.args.findIndex((a) => a === "set_policy" || a === "set_operator_policy");
  if (at < 0) return;
  judgePolicy(`rabbitmqctl ${inv.args[at]}`, inv.args.slice(at + 1).join(" "), an);
}

/** `rabbitmqadmin declare policy name=… pattern=… definition='{…}'`. */
function rabbitmqadmin(inv: Invocation, an: Analysis): void {
  const at = inv.args.indexOf("declare");
  if (at < 0 || !/^(?:policy|operator_policy)$/.test(inv.args[at + 1] ?? "")) return;
  judgePolicy(`rabbitmqadmin declare ${inv.args[at + 1]}`, inv.args.slice(at + 2).join(" "), an);
}

function judgePolicy(shown: string, text: string, an: Analysis): void {
  const drops = policyDrops(text);
  if (drops.length)
    an.destroys(`${shown} ${drops.join(", ")} drops messages or queues already there`, "message:delete");
  else an.harmless(`${shown} sets a policy that drops nothing`);
}

/**
 * `rpk topic trim-prefix` deletes every record before the offset; retention set with `--set retention.ms=…`;
 * `rpk topic produce -Z` sends tombstones, as `kcat -P -Z` does.
 */
const rpk = verbCli("rpk", {
  valueFlags: [
    "-X",
    "--profile",
    "--config",
    "-p",
    "--partitions",
    "-o",
    "--offset",
    "--format",
    "-k",
    "--key",
    "-H",
    "--header",
  ],
  verbs: { "trim-prefix": "destructive", trim: "destructive" },
  rules: [
    zeroRetentionFlags(),
    {
      when: (c) =>
        c.parsed.positionals[0] === "topic" &&
        c.parsed.positionals[1] === "produce" &&
        c.parsed.has("-Z", "--tombstone"),
      apply: (_c, an) =>
        an.destroys(
          "rpk topic produce --tombstone produces empty values as tombstones, deleting their keys",
          "message:delete",
        ),
      final: true,
    },
    {
      // Seeking a group to the end marks every record it has not consumed yet as consumed: they are never processed.
      when: (c) => c.path[0] === "group" && c.inv.args.includes("seek"),
      apply: (c, an) => {
        const to = parseArgs(c.inv.args, { valueFlags: flagSet("--to") }).value("--to");
        if (to === "end")
          an.destroys(
            "rpk group seek --to end skips every record the group has not consumed",
            "message:delete",
          );
        else an.harmless("rpk group seek moves the group's offsets back or to a named point");
      },
      final: true,
    },
  ],
});

/** kcat's options that take a value; the rest are switches, clustered as getopt allows (`-PZ`). */
const KCAT_VALUES = flagSet(
  "-b",
  "-t",
  "-p",
  "-K",
  "-D",
  "-k",
  "-c",
  "-o",
  "-X",
  "-f",
  "-G",
  "-s",
  "-H",
  "-m",
  "-T",
);

/** `kcat -P -Z` sends each empty message as a null one: on a compacted topic, a tombstone that deletes its key. */
function kcat(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: KCAT_VALUES });
  if (!parsed.has("-P")) {
    an.harmless(`${inv.name} without -P consumes, lists or queries`);
    return;
  }
  if (parsed.has("-Z"))
    an.destroys(
      `${inv.name} -P -Z produces empty messages as null tombstones, deleting their keys`,
      "message:delete",
    );
  else an.harmless(`${inv.name} -P produces messages`);
}

/** `--property null.marker=NULL`: values spelled as the marker are produced null, as tombstones. */
function kafkaConsoleProducer(inv: Invocation, an: Analysis): void {
  const properties = parseArgs(inv.args, { valueFlags: flagSet("--property") }).values("--property");
  if (properties.some((p) => /^null\.marker=./.test(p)))
    an.destroys(
      "kafka-console-producer with null.marker produces null values, tombstones that delete their keys",
      "message:delete",
    );
  else an.harmless("kafka-console-producer produces messages");
}

/** `kafka-topics --alter --config retention.ms=1000`, as older brokers took it: what is older is deleted at once. */
function kafkaTopics(inv: Invocation, an: Analysis): void {
  const retentions = inv.args.includes("--alter") ? shortRetentionsIn(inv.args) : [];
  if (inv.args.includes("--delete")) an.destroys("kafka-topics --delete deletes the topic", "topic:delete");
  else if (retentions.length)
    an.destroys(`kafka-topics --alter ${retentions.join(", ")} deletes what is older`, "message:delete");
  else an.harmless("kafka-topics lists, describes, creates or alters topics, keeping their records");
}

/**
 * `kafka-consumer-groups`: deleting a group or its offsets loses where it stood; `--reset-offsets` only plans
 * unless given `--execute`, and then skips what it has not consumed when moved forward, replays when moved back.
 */
function kafkaConsumerGroups(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: KAFKA_GROUP_VALUES });
  if (parsed.has("--delete", "--delete-offsets")) {
    an.destroys(
      "kafka-consumer-groups --delete loses the group's committed offsets",
      "consumer-group:delete",
    );
    return;
  }
  if (!parsed.has("--reset-offsets")) {
    an.harmless("kafka-consumer-groups lists or describes groups");
    return;
  }
  if (!parsed.has("--execute")) {
    an.harmless("kafka-consumer-groups --reset-offsets without --execute only plans");
    return;
  }
  const shift = Number(parsed.value("--shift-by") ?? Number.NaN);
  if (parsed.has("--to-latest") || shift > 0)
    an.destroys(
      "kafka-consumer-groups --reset-offsets forward skips every record the group has not consumed",
      "message:delete",
    );
  else if (parsed.has("--to-earliest", "--to-current") || shift < 0)
    an.harmless("kafka-consumer-groups --reset-offsets back replays records, skipping none");
  else
    an.uncertain(
      "kafka-consumer-groups --reset-offsets to a given offset or time may move forward, skipping unconsumed records",
      true,
      "message:delete",
    );
}

const KAFKA_GROUP_VALUES = flagSet(
  "--bootstrap-server",
  "--group",
  "--topic",
  "--command-config",
  "--shift-by",
  "--to-offset",
  "--to-datetime",
  "--by-duration",
  "--from-file",
  "--timeout",
  "--state",
);

/** Kafka's scripts, spelled with `.sh` as the tarball ships them and without as distributions install them. */
const kafkaScripts: CommandTable = Object.fromEntries(
  Object.entries({
    "kafka-console-producer": kafkaConsoleProducer,
    "kafka-topics": kafkaTopics,
    "kafka-consumer-groups": kafkaConsumerGroups,
    "kafka-delete-records": (_inv: Invocation, an: Analysis) =>
      an.destroys(
        "kafka-delete-records deletes every record before the offsets it is given",
        "message:delete",
      ),
  }).flatMap(([name, analyze]) => [
    [name, analyze],
    [`${name}.sh`, analyze],
  ]),
);

/**
 * Apache Pulsar's admin CLIs: a subscription's backlog cleared, skipped or expired marks messages it has not consumed
 * as consumed, so they are never processed; deletes and truncates are read as every verb CLI's are.
 */
const pulsarAdmin = (name: string) =>
  verbCli(name, {
    valueFlags: [
      "--admin-url",
      "--auth-plugin",
      "--auth-params",
      "-s",
      "--subscription",
      "--sub",
      "-n",
      "--count",
      "-t",
      "--time",
      "--expireTime",
    ],
    verbs: {
      "clear-backlog": "destructive",
      "skip-all": "destructive",
      skip: "destructive",
      "expire-messages": "destructive",
      "expire-messages-all-subscriptions": "destructive",
      expire: "destructive",
    },
  });

export const messageBrokerCommands: CommandTable = {
  "pulsar-admin": pulsarAdmin("pulsar-admin"),
  pulsarctl: pulsarAdmin("pulsarctl"),
  nats,
  rabbitmqctl,
  rabbitmqadmin,
  rpk,
  kcat,
  kafkacat: kcat,
  ...kafkaScripts,
};
