// Does the task's intent call for this destruction? A destructive command is covered only when the intent names a
// way of destroying (delete, drop, clean up, reset…) that fits what the command does, and the kind of object or the
// object itself. The answer is a sentence naming the intent's words that did or did not cover it.
import type { Finding } from "./analysis.ts";

/** Intent words → the kinds of destruction they ask for. */
const VERBS: [RegExp, readonly Kind[]][] = [
  [
    /^(delete|deleting|deletion|remove|removing|removal|drop|dropping|destroy|destroying|purge|purging|wipe|wiping|erase|erasing|nuke|prune|pruning|clean|cleaning|cleanup|clear|clearing|empty|emptying|truncate|truncating|tear|teardown|decommission|decommissioning|deprovision|retire|retiring|uninstall|uninstalling|evict|expire|flush|flushing|reclaim|free|rm|delete-all|garbage)$/,
    ["remove"],
  ],
  [
    /^(reset|resetting|rollback|roll|revert|reverting|restore|restoring|recreate|recreating|rebuild|rebuilding|reinstall|reinitiali[sz]e|reinit|reprovision|redeploy|refresh|resync|reseed|seed|reload)$/,
    ["reset", "overwrite"],
  ],
  [
    /^(overwrite|overwriting|replace|replacing|rewrite|rewriting|squash|squashing|rebase|rebasing|force|force-push|amend|reformat|format|formatting|reimage)$/,
    ["overwrite"],
  ],
  [/^(disable|disabling|turn|switch|deactivate|unprotect|unlock|suspend)$/, ["disable"]],
  [/^(migrate|migrating|migration|migrations)$/, ["migrate", "overwrite"]],
  [
    /^(update|updating|backfill|backfilling|correct|correcting|modify|modifying|change|changing|edit|normali[sz]e|anonymi[sz]e|rename|renaming)$/,
    ["update"],
  ],
  [/^(kill|stop|scale|restart|shutdown)$/, ["stop"]],
];

type Kind = "remove" | "reset" | "overwrite" | "disable" | "migrate" | "update" | "stop";

/** The destruction an action's verb stands for: `table:truncate` → remove. */
function kindOfAction(verb: string): Kind[] {
  if (/^(delete|drop|truncate|purge|clear|discard|prune|remove|destroy|clobber|uninstall)$/.test(verb))
    return ["remove"];
  if (/^(reset|format)$/.test(verb)) return ["reset", "remove"];
  if (/^(overwrite|replace|rewrite|restore)$/.test(verb)) return ["overwrite", "reset"];
  if (/disable|skip|unprotect/.test(verb)) return ["disable"];
  if (/^(migrate)$/.test(verb)) return ["migrate"];
  if (/^(update)$/.test(verb)) return ["update"];
  if (/^(stop|scale|kill)$/.test(verb)) return ["stop", "remove"];
  return ["remove"];
}

/** What a reason's words say the destruction is, when a finding names no action. */
function kindOfReason(reason: string): Kind[] {
  const r = reason.toLowerCase();
  if (/overwrit|replac|rewrit|force|restore|clobber/.test(r)) return ["overwrite", "reset"];
  if (/reset/.test(r)) return ["reset", "remove"];
  if (/disabl|turns? off|switch(es)? off|unprotect|suspend/.test(r)) return ["disable"];
  if (/\bupdates?\b/.test(r)) return ["update"];
  if (/migrat/.test(r)) return ["migrate"];
  return ["remove"];
}

/** Object words an intent may use for a resource an action names. */
const OBJECTS: Record<string, readonly string[]> = {
  table: ["table", "data", "row", "record", "schema", "database", "db"],
  rows: ["row", "record", "data", "entry", "table"],
  column: ["column", "field", "schema", "table"],
  database: ["database", "db", "schema", "data"],
  db: ["database", "db", "schema", "data"],
  collection: ["collection", "data", "document", "database", "db"],
  index: ["index", "indice"],
  volume: ["volume", "disk", "pvc", "storage", "data"],
  disk: ["disk", "drive", "volume", "partition", "device"],
  object: ["object", "file", "bucket", "blob", "upload", "artifact", "asset"],
  bucket: ["bucket", "storage", "object"],
  file: [
    "file",
    "dir",
    "directory",
    "folder",
    "path",
    "artifact",
    "output",
    "build",
    "cache",
    "tmp",
    "temp",
    "log",
  ],
  tmp: ["tmp", "temp", "scratch", "cache"],
  assets: ["asset", "build", "static"],
  key: ["key", "cache", "redis", "entry"],
  branch: ["branch", "ref", "history", "commit"],
  history: ["history", "commit", "branch"],
  tag: ["tag", "release"],
  stash: ["stash", "change"],
  worktree: ["change", "worktree", "edit", "work", "tree", "local"],
  container: ["container", "image", "docker"],
  deployment: ["deployment", "deploy", "service", "app", "workload"],
  namespace: ["namespace", "ns", "environment", "env"],
  service: ["service", "app", "deployment"],
  crd: ["crd", "resource"],
  resource: ["resource", "infra", "infrastructure", "stack", "environment", "env"],
  infrastructure: ["infrastructure", "infra", "stack", "environment", "env", "resource"],
  state: ["state", "terraform"],
  log: ["log"],
  "audit-log": ["audit"],
  queue: ["queue", "message", "job"],
  package: ["package", "dependency", "dependencie", "module"],
  release: ["release"],
  user: ["user", "account"],
  role: ["role"],
  function: ["function", "lambda"],
  cron: ["cron", "crontab", "schedule", "job"],
  record: ["record", "dns", "entry"],
  variable: ["variable", "var", "env", "setting", "config"],
  cluster: ["cluster"],
  trigger: ["trigger"],
  constraint: ["constraint", "schema"],
};

/**
 * Object words that say which files or objects, not only that they are files ("log files", "build artifacts"): the
 * command must name them too.
 */
const WHICH_FILES = new Set([
  "artifact",
  "output",
  "build",
  "cache",
  "tmp",
  "temp",
  "log",
  "upload",
  "asset",
  "static",
]);

const FILE_WORDS = new Set([...OBJECTS.file!, ...OBJECTS.object!, ...OBJECTS.tmp!, ...OBJECTS.assets!]);

const STOP_WORDS = new Set(
  "old stale unused orphaned orphan leaked temporary duplicate broken failed failing expired extra dead obsolete new existing previous current production prod prd live staging stage stg development dev qa uat sandbox local remote server the a an and or of to in on for from with all any old stale unused our my this that these those it its some every each up out off down into by at as be is are was were not no please then so via using use run where select values set null like exists cascade if".split(
    " ",
  ),
);

/** Lower-case words, with a plain plural or possessive taken off: "tables" → "table". */
/** A database's objects, which SQL names exactly: an intent naming one of them does not ask for another. */
const SCHEMA_KINDS = new Set([
  "table",
  "index",
  "column",
  "database",
  "schema",
  "view",
  "constraint",
  "trigger",
]);

/** Words for the rows in a table: deleting some of them is not dropping the table, schema or database. */
const ROW_WORDS = new Set(["row", "record", "entry"]);
const dropsContainerOfRows = (resource: string | undefined, verb: string | undefined) =>
  verb === "delete" && (resource === "table" || resource === "database" || resource === "schema");

/** Characters that continue a name (`events_archive` is not `events`), and a word inside a path (`app_log`). */
const NAME_CHAR = "a-z0-9_";
const PATH_WORD_CHAR = "a-z0-9";

/**
 * Whether the command names an intent word as a whole word, singular or plural (`log` in `logs/` and `app.log`, not
 * in `catalog`; `event` in `events`, not in `events_archive`).
 */
function mentions(commandText: string, word: string, wordChar: string): boolean {
  const stem = word.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/y$/, "(?:y|ie)");
  return new RegExp(`(?<![${wordChar}])${stem}(?:s|es)?(?![${wordChar}])`).test(commandText);
}

/**
 * The command's text where it may name what it destroys: without where it connects (a URL's host and port, a
 * `--host`/`-h`/`--port`/`-p` value), so an intent's name that matches only a host or a port (`example`, `443`,
 * `5432`) names nothing the command destroys.
 */
function objectText(command: string): string {
  let text = command
    .toLowerCase()
    .replace(/\b[a-z][a-z0-9+.-]*:\/\/[^/\s'"?#]*/g, " ")
    .replace(/(?<=\s)(?:--port[=\s]\s*|-p\s*)\d+|(?<=\s)(?:--host[=\s]\s*|-h\s*)[^\s'"/-][^\s'"]*/g, " ");
  // `users/42/../43` is users/43: a segment that `..` takes back is not named.
  for (let before = ""; before !== text; ) {
    before = text;
    text = text.replace(/(?<![^/\s'"])[^/\s'"]+\/\.\.(?:\/|(?=[\s'"]|$))/g, "");
  }
  return text;
}

/** A word that names one thing rather than describing it: it has a digit, `_` or `-` in it. */
const IDENTIFIER = /[0-9_-]/;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

/** Whether the command names `name` shortly after naming `kind` (`/users/42`, `users where id = 42`, `user:42`). */
function mentionsAfter(commandText: string, kind: string, name: string): boolean {
  const stem = escapeRegExp(kind).replace(/y$/, "(?:y|ie)");
  return new RegExp(
    `(?<![${NAME_CHAR}])${stem}(?:s|es)?(?![${NAME_CHAR}])[^\\n]{0,40}?(?<![${NAME_CHAR}])${escapeRegExp(name)}(?![${NAME_CHAR}])`,
  ).test(commandText);
}

/** Longer words name nothing a command would (and would make a pattern too large to build). */
const LONGEST_WORD = 200;

function words(text: string): string[] {
  const found = text.toLowerCase().match(/[a-z0-9][a-z0-9_.-]*/g) ?? [];
  return found
    .filter((w) => w.length <= LONGEST_WORD)
    .map((w) =>
      w
        .replace(/'s$/, "")
        .replace(/(?<=[a-z]{3})(ies)$/, "y")
        .replace(/(?<=[a-z]{3})s$/, ""),
    );
}

/** Words that rule out the verb after them, up to three words on, within one clause. */
const NEGATIONS = new Set([
  "not",
  "never",
  "no",
  "without",
  "avoid",
  "avoiding",
  "nor",
  "cannot",
  "nothing",
  "neither",
  "refrain",
  "refraining",
  "forbid",
  "forbidden",
  "prohibit",
  "prohibited",
  "skip",
  "skipping",
]);
/** Words right after a verb that rule it out ("drop nothing", "delete none of them", "remove no rows"). */
const NEGATED_OBJECT = new Set(["nothing", "none", "no"]);
/** Words after a verb, in its clause, that rule it out ("dropping tables is not allowed", "… is forbidden"). */
const RULED_OUT_AFTER =
  /\b(?:not|never)\s+(?:be\s+)?(?:allowed|permitted|ok|okay|acceptable)\b|\b(?:forbidden|prohibited|off[\s-]limits)\b/;
/** Where a negation's reach ends: punctuation, or a conjunction that starts another instruction. */
const CLAUSE_BREAK = /[.;!?:()\n]|\b(?:but|and|then|instead|except|only|just)\b/;
/** `don't`, `shouldn’t`, `donʼt`, `dont`: the contraction read as "do not" whatever the apostrophe. */
const CONTRACTED_NOT =
  /\b(do|does|did|should|would|could|must|need|is|are|was|were|has|have|had|ca|wo|ai|sha|might)n[^\sa-z0-9]?t\b/g;

/**
 * The intent's verbs that ask for a kind of destruction, and those it rules out ("do not delete", "never drop",
 * "don't remove", "drop nothing", "instead of truncating"): a verb with a negation up to three words before it in
 * the same clause is ruled out, not asked for; a negation that ends a comma's part without reaching a verb ("do not,
 * under any circumstances, drop") reaches the clause's next verb.
 */
function intentVerbs(intent: string): {
  verbWords: Map<string, readonly Kind[]>;
  forbidden: Map<string, readonly Kind[]>;
} {
  const verbWords = new Map<string, readonly Kind[]>();
  const forbidden = new Map<string, readonly Kind[]>();
  const clauses = intent
    .toLowerCase()
    .replace(CONTRACTED_NOT, "$1 not")
    .replace(/\b(?:instead\s+of|rather\s+than)\b/g, " not ")
    .split(CLAUSE_BREAK);
  for (const clause of clauses) {
    const ruledOutAfter = RULED_OUT_AFTER.exec(clause)?.index ?? -1;
    let dangling = false;
    let offset = 0;
    for (const part of clause.split(",")) {
      const said = words(part);
      let verbSeen = false;
      said.forEach((w, j) => {
        const kinds = VERBS.find(([re]) => re.test(w))?.[1];
        if (!kinds) return;
        const negated =
          dangling ||
          said.slice(Math.max(0, j - 3), j).some((before) => NEGATIONS.has(before)) ||
          NEGATED_OBJECT.has(said[j + 1] ?? "") ||
          (ruledOutAfter >= 0 && part.indexOf(w) + offset < ruledOutAfter);
        dangling = false;
        verbSeen = true;
        (negated ? forbidden : verbWords).set(w, kinds);
      });
      // A part that ends on a negation ("do not,") hands it over the comma to the clause's next verb.
      dangling = (dangling && !verbSeen) || NEGATIONS.has(said.at(-1) ?? "");
      offset += part.length + 1;
    }
  }
  return { verbWords, forbidden };
}

export interface IntentJudgement {
  covered: boolean;
  /** `intent_covers: …` or `intent_mismatch: …`, naming the intent's words. */
  reason: string;
}

/**
 * Whether the intent covers every destructive finding. `command` is the command text: an intent word that names the
 * very thing the command destroys (`sessions`, `preview`, `node_modules`) counts as naming its kind.
 */
export function judgeIntent(intent: string, findings: readonly Finding[], command: string): IntentJudgement {
  const intentWords = words(intent);
  const { verbWords, forbidden } = intentVerbs(intent);
  const quoted = `"${intent.length > 80 ? `${intent.slice(0, 77)}…` : intent}"`;
  const destroyed = findings.filter((f) => f.destructive);
  const what = [...new Set(destroyed.map((f) => f.action ?? f.reason))].slice(0, 3).join(", ");
  // "do not delete anything", "never drop tables": a way of destroying the intent rules out is never covered.
  for (const f of destroyed) {
    const verb = f.action?.split(":")[1];
    const needed = verb ? kindOfAction(verb) : kindOfReason(f.reason);
    const ruledOut = [...forbidden].find(([, kinds]) => kinds.some((k) => needed.includes(k)));
    if (ruledOut)
      return {
        covered: false,
        reason: `intent_mismatch: the task's intent ${quoted} says not to "${ruledOut[0]}", which rules out ${f.action ?? f.reason}`,
      };
  }
  if (!verbWords.size) {
    return {
      covered: false,
      reason: `intent_mismatch: the task's intent ${quoted} names no removal, reset or overwrite (words such as delete, drop, remove, clean up, reset), so it does not cover ${what}`,
    };
  }
  const commandText = objectText(command);
  const kindWords = new Set(Object.entries(OBJECTS).flatMap(([k, v]) => [k, ...v]));
  const nouns = intentWords.filter((w) => !verbWords.has(w) && !STOP_WORDS.has(w) && w.length >= 2);
  // Names of things ("sessions", "preview", "pr-42") the command also mentions.
  const literal = nouns.filter(
    (w) => w.length >= 3 && !kindWords.has(w) && mentions(commandText, w, NAME_CHAR),
  );
  /**
   * A kind word counts unless the intent narrows that kind to a named one the command does not mention ("rows of the
   * events table" covers no other table's rows), and a word that says which files or objects ("build", "log") counts
   * only when the command's paths say it too.
   */
  const kindHit = (objectWords: readonly string[]) => {
    const hits = intentWords.flatMap((w, j) => {
      if (!objectWords.includes(w) || verbWords.has(w)) return [];
      const before = intentWords[j - 1];
      const after = intentWords[j + 1];
      const named =
        before &&
        !STOP_WORDS.has(before) &&
        !verbWords.has(before) &&
        (!kindWords.has(before) || (WHICH_FILES.has(before) && FILE_WORDS.has(w)));
      // A name may also follow the kind ("the test user 42"): the command naming either one is the named object.
      // Only an identifier (a number, `pr-42`, `user_7`) counts, and only just after the command names the kind
      // (`/users/42`, `users WHERE id = 42`), not a port, a host or a path segment elsewhere that happens to match.
      const namedAfter =
        after !== undefined &&
        !STOP_WORDS.has(after) &&
        !kindWords.has(after) &&
        IDENTIFIER.test(after) &&
        mentionsAfter(commandText, w, after);
      return [
        {
          word: w,
          narrowedAway: Boolean(named) && !namedAfter && !mentions(commandText, before!, NAME_CHAR),
        },
      ];
    });
    if (hits.some((h) => h.narrowedAway)) return undefined;
    return hits.find((h) => !WHICH_FILES.has(h.word) || mentions(commandText, h.word, PATH_WORD_CHAR))?.word;
  };
  const verbsSaid = [...verbWords.keys()];
  // The first kind of object after each verb is what it acts on ("drop the index on the orders table": an index).
  const directObjects = intentWords.flatMap((w, j) => {
    if (!verbWords.has(w)) return [];
    const next = intentWords.slice(j + 1, j + 7);
    const end = next.findIndex((n) => verbWords.has(n));
    const kind = (end < 0 ? next : next.slice(0, end)).find((n) => kindWords.has(n));
    return kind ? [kind] : [];
  });
  for (const f of destroyed) {
    const [resource, verb] = f.action?.split(":") ?? [undefined, undefined];
    const needed = verb ? kindOfAction(verb) : kindOfReason(f.reason);
    const verbHit = verbsSaid.find((w) => verbWords.get(w)!.some((k) => needed.includes(k)));
    const objectWords = resource ? [...new Set([resource, ...(OBJECTS[resource] ?? [])])] : [];
    // The object's own name counts when this finding mentions it, or when it is the only destruction.
    const objectHit =
      literal.find((w) => destroyed.length === 1 || f.reason.toLowerCase().includes(w)) ??
      kindHit(objectWords) ??
      (resource ? undefined : nouns.find((w) => f.reason.toLowerCase().includes(w)));
    const label = f.action ?? f.reason;
    // "drop the unused index on orders" names an index: the orders table is named, but not as what to destroy.
    const otherKind =
      resource &&
      SCHEMA_KINDS.has(resource) &&
      directObjects.length &&
      directObjects.every((k) => SCHEMA_KINDS.has(k) && !objectWords.includes(k))
        ? directObjects[0]
        : undefined;
    if (verbHit && otherKind) {
      return {
        covered: false,
        reason: `intent_mismatch: the task's intent ${quoted} asks to "${verbHit}" a ${otherKind}, not a ${resource} (${label})`,
      };
    }
    if (
      verbHit &&
      dropsContainerOfRows(resource, verb) &&
      nouns.some((w) => ROW_WORDS.has(w)) &&
      !verbWords.has("drop")
    ) {
      return {
        covered: false,
        reason: `intent_mismatch: the task's intent ${quoted} speaks of rows, which does not call for dropping the ${resource} that holds them (${label})`,
      };
    }
    if (!verbHit) {
      return {
        covered: false,
        reason: `intent_mismatch: the task's intent ${quoted} says ${verbsSaid.map((w) => `"${w}"`).join(", ")}, which does not call for ${describeKinds(needed)} (${label})`,
      };
    }
    if (!objectHit) {
      return {
        covered: false,
        reason: `intent_mismatch: the task's intent ${quoted} says "${verbHit}" but names nothing this destroys (${label}${resource ? `; a ${resource} would be named by ${objectWords.slice(0, 4).join(", ")} or its name` : ""})`,
      };
    }
  }
  const verbHit = verbsSaid.join(", ");
  const objects = [
    ...new Set([...literal, ...nouns.filter((w) => Object.values(OBJECTS).some((o) => o.includes(w)))]),
  ];
  return {
    covered: true,
    reason: `intent_covers: "${verbHit}"${objects.length ? ` and "${objects.slice(0, 3).join(", ")}"` : ""} in the task's intent ${quoted} cover ${what}`,
  };
}

function describeKinds(kinds: readonly Kind[]): string {
  const names: Record<Kind, string> = {
    remove: "removing anything",
    reset: "resetting anything",
    overwrite: "overwriting anything",
    disable: "switching a protection off",
    migrate: "migrating a schema",
    update: "changing data in bulk",
    stop: "stopping anything",
  };
  return names[kinds[0]!];
}

/** Intent words that call for changing anything at all (for flagging writes a read-only task did not ask for). */
const CHANGE_WORD =
  /\b(add|create|write|build|deploy|install|fix|repair|update|upgrade|change|implement|set|configure|publish|release|push|commit|upload|make|edit|generate|migrate|delete|drop|remove|clean|reset|restore|rotate|move|rename|run|start|launch|provision|scale|refactor|bump|patch|apply|merge|tag|ship|import|seed|backfill|replace|overwrite)\w*/i;

/** A reason when a non-destructive command changes something although the intent only reads; null otherwise. */
export function unaskedWrite(intent: string, actions: readonly string[]): string | null {
  if (CHANGE_WORD.test(intent)) return null;
  const writes = actions.filter(
    (a) => !/:(read|get|list|describe|show|plan|diff|status|query|view|log)$/.test(a),
  );
  if (!writes.length) return null;
  return `outside_intent: the task's intent "${intent}" names no change, but this command does ${writes.slice(0, 3).join(", ")}`;
}
