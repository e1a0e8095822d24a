// redis-cli and Redis commands: FLUSHALL, DEL, persistence switched off, a replica told to wipe itself.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import { type CommandTable, type Invocation, stdinText } from "../command.ts";
import { unreadableCode } from "../unreadable-code.ts";
import { DESTRUCTIVE_SQL_NAME } from "../unseen-sql.ts";
import { destructiveWord } from "../vocabulary.ts";

type RedisRule = (args: readonly string[], an: Analysis) => void;

const deletes =
  (what: string, action = "key:delete"): RedisRule =>
  (_args, an) =>
    an.destroys(what, action);

const RULES: Record<string, RedisRule> = {
  FLUSHALL: deletes("FLUSHALL wipes every key in every database", "database:delete"),
  FLUSHDB: deletes("FLUSHDB wipes every key in the database", "database:delete"),
  DEL: deletes("DEL deletes keys"),
  UNLINK: deletes("UNLINK deletes keys"),
  GETDEL: deletes("GETDEL deletes a key"),
  HDEL: deletes("HDEL deletes hash fields"),
  SREM: deletes("SREM removes set members"),
  ZREM: deletes("ZREM removes sorted-set members"),
  ZREMRANGEBYSCORE: deletes("ZREMRANGEBYSCORE removes a range of members"),
  ZREMRANGEBYRANK: deletes("ZREMRANGEBYRANK removes a range of members"),
  ZREMRANGEBYLEX: deletes("ZREMRANGEBYLEX removes a range of members"),
  LREM: deletes("LREM removes list elements"),
  LTRIM: deletes("LTRIM drops list elements outside the range"),
  XDEL: deletes("XDEL deletes stream entries"),
  XDELEX: deletes("XDELEX deletes stream entries"),
  XACKDEL: deletes("XACKDEL deletes stream entries"),
  HGETDEL: deletes("HGETDEL deletes hash fields"),
  DELEX: deletes("DELEX deletes a key"),
  ...Object.fromEntries(
    [
      "LPOP",
      "RPOP",
      "SPOP",
      "ZPOPMIN",
      "ZPOPMAX",
      "BLPOP",
      "BRPOP",
      "BZPOPMIN",
      "BZPOPMAX",
      "LMPOP",
      "BLMPOP",
      "ZMPOP",
      "BZMPOP",
    ].map((name) => [name, deletes(`${name} removes the elements it returns`)]),
  ),
  // Commands that store a result overwrite the destination key.
  ...Object.fromEntries(
    [
      "SUNIONSTORE",
      "SINTERSTORE",
      "SDIFFSTORE",
      "ZUNIONSTORE",
      "ZINTERSTORE",
      "ZDIFFSTORE",
      "ZRANGESTORE",
      "GEOSEARCHSTORE",
      "GEORADIUS",
      "BITOP",
    ].map((name) => [name, storesInto(name)]),
  ),
  SORT: (args, an) => {
    if (args.some((a) => a.toUpperCase() === "STORE"))
      an.destroys("SORT … STORE overwrites the destination key", "key:overwrite");
  },
  COPY: (args, an) => {
    if (args.some((a) => a.toUpperCase() === "REPLACE"))
      an.destroys("COPY … REPLACE overwrites the destination key", "key:overwrite");
  },
  GETEX: (args, an) => {
    if (args.some((a) => /^(EX|PX|EXAT|PXAT)$/i.test(a)))
      an.destroys("GETEX schedules a key's deletion", "key:delete");
  },
  ...Object.fromEntries(
    ["HEXPIRE", "HPEXPIRE", "HEXPIREAT", "HPEXPIREAT", "HGETEX"].map((name) => [
      name,
      deletes(`${name} schedules hash fields' deletion`),
    ]),
  ),
  XGROUP: (args, an) => {
    if (/^(DESTROY|DELCONSUMER)$/i.test(args[0] ?? ""))
      an.destroys(`XGROUP ${args[0]} deletes a consumer group's pending entries`, "key:delete");
  },
  "FT.DROPINDEX": (args, an) =>
    an.destroys(
      `FT.DROPINDEX deletes a search index${args.some((a) => a.toUpperCase() === "DD") ? " and its documents" : ""}`,
      "index:delete",
    ),
  "FT.DROP": deletes("FT.DROP deletes a search index and its documents", "index:delete"),
  "JSON.DEL": deletes("JSON.DEL deletes JSON values"),
  "JSON.FORGET": deletes("JSON.FORGET deletes JSON values"),
  "JSON.CLEAR": deletes("JSON.CLEAR empties JSON values"),
  "TS.DEL": deletes("TS.DEL deletes time-series samples"),
  "CF.DEL": deletes("CF.DEL deletes cuckoo-filter items"),
  MODULE: (args, an) => {
    if (/^UNLOAD$/i.test(args[0] ?? ""))
      an.destroys("MODULE UNLOAD unloads a module, with the data types it holds", "module:delete");
  },
  XTRIM: deletes("XTRIM drops stream entries"),
  EXPIRE: deletes("EXPIRE schedules a key's deletion"),
  PEXPIRE: deletes("PEXPIRE schedules a key's deletion"),
  EXPIREAT: deletes("EXPIREAT schedules a key's deletion"),
  PEXPIREAT: deletes("PEXPIREAT schedules a key's deletion"),
  RENAME: deletes("RENAME overwrites the destination key", "key:overwrite"),
  SWAPDB: deletes("SWAPDB swaps whole databases under live clients", "database:overwrite"),
  MIGRATE: (args, an) => {
    if (!args.some((a) => a.toUpperCase() === "COPY"))
      an.destroys("MIGRATE moves keys away, deleting them here", "key:delete");
  },
  RESTORE: (args, an) => {
    if (args.some((a) => a.toUpperCase() === "REPLACE"))
      an.destroys("RESTORE … REPLACE overwrites an existing key", "key:overwrite");
  },
  SCRIPT: (args, an) => {
    if (args[0]?.toUpperCase() === "FLUSH")
      an.destroys("SCRIPT FLUSH drops every cached script", "script:delete");
  },
  FUNCTION: (args, an) => {
    if (/^(FLUSH|DELETE)$/i.test(args[0] ?? ""))
      an.destroys(`FUNCTION ${args[0]} deletes server functions`, "function:delete");
  },
  CLUSTER: (args, an) => {
    if (/^(RESET|FLUSHSLOTS|FORGET|DELSLOTS|DELSLOTSRANGE)$/i.test(args[0] ?? ""))
      an.destroys(`CLUSTER ${args[0]} drops cluster state`, "cluster:reset");
  },
  SHUTDOWN: (args, an) => {
    if (args.some((a) => a.toUpperCase() === "NOSAVE"))
      an.destroys("SHUTDOWN NOSAVE loses everything since the last save", "database:delete");
  },
  DEBUG: (args, an) => {
    if (/^(FLUSHALL|RELOAD|CRASH-AND-RECOVER|SEGFAULT|RESTART)$/i.test(args[0] ?? ""))
      an.destroys(`DEBUG ${args[0]} can lose data`, "database:delete");
  },
  REPLICAOF: replicaOf,
  SLAVEOF: replicaOf,
  ACL: (args, an) => {
    if (/^DELUSER$/i.test(args[0] ?? "")) an.destroys("ACL DELUSER deletes users", "user:delete");
  },
  CONFIG: (args, an) => {
    if (!/^SET$/i.test(args[0] ?? "")) return;
    const setting = (args[1] ?? "").toLowerCase();
    const value = (args[2] ?? "").toLowerCase();
    if ((setting === "appendonly" && value === "no") || (setting === "save" && value.trim() === "")) {
      an.destroysSafetyNet(`CONFIG SET ${setting} ${value || '""'} turns persistence off`, "backup:disable");
    } else if (setting === "dir" || setting === "dbfilename") {
      an.destroys(
        `CONFIG SET ${setting} points the dump at another file, a way to overwrite files`,
        "file:overwrite",
      );
    }
  },
};

/** GEORADIUS writes only with STORE or STOREDIST; the others always write their destination. */
function storesInto(name: string): RedisRule {
  return (args, an) => {
    if (name !== "GEORADIUS" || args.some((a) => /^STORE(DIST)?$/i.test(a)))
      an.destroys(`${name} overwrites its destination key`, "key:overwrite");
  };
}

function replicaOf(args: readonly string[], an: Analysis): void {
  if (!(args[0]?.toUpperCase() === "NO" && args[1]?.toUpperCase() === "ONE")) {
    an.destroys("REPLICAOF makes this server drop its data and copy another's", "database:overwrite");
  }
}

/** The Redis commands a Lua script calls (`redis.call('DEL', k)`), each judged like one sent directly. */
export function analyzeRedisLua(script: string, an: Analysis): void {
  for (const m of script.matchAll(/\b(?:redis|server)\.p?call\s*\(\s*["']([A-Za-z]+)["']/g))
    analyzeRedisCommand([m[1]!, "…"], an);
  judgeComputedRedisCalls(script, an);
}

/** `redis.call(ARGV[1], …)`, `redis.call(cmd)`: a command named by a value, not a literal. */
const COMPUTED_CALL = /\b(?:redis|server)\.p?call\s*\(\s*(?!["'\s])([^,)]+)/g;

/** A command that arrives with the call (from ARGV or KEYS, or built from parts) may be FLUSHALL. */
export function judgeComputedRedisCalls(script: string, an: Analysis): void {
  for (const m of script.matchAll(COMPUTED_CALL))
    an.uncertain(`redis.call names its command at run time (${m[1]!.trim()})`, true);
}

const LUA_COMMANDS = new Set(["EVAL", "EVAL_RO", "EVALSHA", "FUNCTION", "SCRIPT", "FCALL", "FCALL_RO"]);

/** One Redis command as words, e.g. ["DEL", "session:1"]. */
export function analyzeRedisCommand(words: readonly string[], an: Analysis): void {
  const name = words[0]?.toUpperCase();
  if (!name) return;
  if (LUA_COMMANDS.has(name)) {
    if (name === "EVAL" || name === "EVAL_RO") analyzeRedisLua(words[1] ?? "", an);
    else if (name === "FUNCTION" && words[1]?.toUpperCase() === "LOAD")
      analyzeRedisLua(words.slice(2).join(" "), an);
    else if (name === "FUNCTION" && /^(FLUSH|DELETE|RESTORE)$/i.test(words[1] ?? ""))
      an.destroys(`FUNCTION ${words[1]!.toUpperCase()} removes server-side functions`, "function:delete");
    else if (name === "EVALSHA")
      an.uncertain("EVALSHA runs a cached Lua script the guard cannot read", false);
    else if (name === "FCALL" || name === "FCALL_RO") {
      // A loaded function the guard cannot read; only its name may say what it does (`FCALL wipe_all 0`).
      const word = destructiveWord(words[1] ?? "");
      an.uncertain(
        `${name} ${words[1] ?? ""} runs a server-side function the guard cannot read${word ? `, named "${word}"` : ""}`,
        word !== undefined && name === "FCALL",
      );
    }
    return;
  }
  const rule = RULES[name];
  if (rule) rule(words.slice(1), an);
}

const CLI_VALUES = flagSet(
  "-h",
  "-p",
  "-s",
  "-a",
  "-u",
  "-r",
  "-i",
  "-n",
  "-d",
  "-D",
  "-e",
  "--user",
  "--pass",
  "--askpass",
  "--pattern",
  "--count",
  "--eval",
  "--cacert",
  "--cert",
  "--key",
  "--sni",
  "--memkeys-samples",
  "--rdb",
  "--functions-rdb",
  "--quoted-pattern",
);

/** Script names that say they delete keys (`del.lua`, `flush_sessions.lua`, `expire-all.lua`). */
const DELETING_SCRIPT_NAME =
  /(?:^|[_.-])(?:del|delete|unlink|flush\w*|purge|wipe|drop|clear|clean\w*|expire|evict|reset|nuke|destroy)(?:[_.-]|$)/i;

function redisCli(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: CLI_VALUES });
  // Judged as SQL from an unread file is: asked about, destructive only when the script's name says it deletes.
  const luaScript = parsed.value("--eval");
  if (luaScript)
    an.uncertain(
      `redis-cli --eval runs the Lua script ${luaScript} the guard cannot read`,
      DELETING_SCRIPT_NAME.test(luaScript.slice(luaScript.lastIndexOf("/") + 1)),
    );
  if (parsed.positionals.length) {
    unreadableScript(inv, parsed.positionals[0]!, an);
    analyzeRedisCommand(parsed.positionals, an);
    return;
  }
  if (
    parsed.has(
      "--scan",
      "--bigkeys",
      "--memkeys",
      "--stat",
      "--latency",
      "--rdb",
      "--hotkeys",
      "--latency-history",
    )
  )
    return;
  const script = stdinText(inv);
  if (script !== null) {
    for (const line of script.split("\n")) analyzeRedisCommand(line.trim().split(/\s+/).filter(Boolean), an);
  } else if (inv.piped)
    an.uncertain(
      `redis-cli runs commands from stdin the guard cannot read${inv.stdinHint ? ` (${inv.stdinHint.slice(0, 60)})` : ""}`,
      DESTRUCTIVE_SQL_NAME.test(inv.stdinHint),
    );
}

/** `EVAL "$(cat wipe.lua)" 0`: a script the line fetches at run time may call any command, FLUSHALL too. */
function unreadableScript(inv: Invocation, command: string, an: Analysis): void {
  if (command.toUpperCase() !== "EVAL") return;
  const at = inv.argv.findIndex((w, i) => i > 0 && w.text === command);
  const script = inv.argv[at + 1];
  if (at > 0 && script && unreadableCode(script))
    an.uncertain(
      `${inv.name} EVAL runs a Lua script the guard cannot read (${script.text.slice(0, 40)})`,
      true,
    );
}

export const redisCommands: CommandTable = {
  "redis-cli": redisCli,
  "valkey-cli": redisCli,
  "keydb-cli": redisCli,
};
