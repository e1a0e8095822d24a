// Build tools that run the project's own programs and tasks: `go run`, `cargo run`, Maven goals, Gradle and sbt
// tasks, Composer scripts, `java -jar`, `swift run`, and the TypeScript runners. What they run is the project's code,
// which the guard cannot read: a program or task is judged by its name and arguments, as an unknown program is, and
// the database-migration plugins' goals as the migration tools' own commands.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import type { CommandAnalyzer, CommandTable, Invocation } from "../command.ts";
import { literal } from "../word.ts";
import { interpreterCommands } from "./interpreters.ts";
import { opaqueTarget, projectProgram } from "./opaque-targets.ts";
import { judgeComposerScript } from "./task-files.ts";

/** `flyway:clean`, `flywayClean`, `liquibase:dropAll`: a migration plugin's goal, as the tool's own command. */
const MIGRATION_GOAL = /^(flyway|liquibase):?([A-Za-z-]+)$/;

/** Maven's local repository is a cache of what the build downloads. */
const REGENERABLE_GOAL = /^dependency:purge-local-repository$/;

/** Maven goals and phases, Gradle and sbt tasks: a migration plugin's goal as its tool's command, others by name. */
function task(inv: Invocation, tool: string, target: string, an: Analysis): void {
  if (REGENERABLE_GOAL.test(target)) {
    an.harmless(`${tool} ${target} only deletes downloaded dependencies, which the next build fetches again`);
    return;
  }
  const goal = MIGRATION_GOAL.exec(target);
  if (goal) inv.run([literal(goal[1]!), literal(goal[2]!.replace(/^[A-Z]/, (c) => c.toLowerCase()))]);
  else opaqueTarget(tool, target, an);
}

/** Go's build flags that take a value. */
const GO_VALUES = flagSet(
  ..."-C -p -o -tags -ldflags -gcflags -asmflags -mod -modfile -overlay -pkgdir -pgo -exec -toolexec -buildmode -compiler -gccgoflags -installsuffix -coverpkg -covermode".split(
    " ",
  ),
);

/** `go run [build flags] package|files… [arguments]`. */
function go(inv: Invocation, an: Analysis): void {
  if (inv.args[0] !== "run") return;
  const parsed = parseArgs(inv.args.slice(1), {
    valueFlags: GO_VALUES,
    singleDashLong: true,
    stopAtPositional: true,
  });
  // `-exec 'prog args'` runs prog with the built binary after its words, split as a shell splits them.
  const exec = parsed.value("-exec");
  if (exec) an.nested.shell(exec);
  const [program, ...args] = parsed.rest;
  if (program) projectProgram("go run", program, args, an);
}

const CARGO_VALUES = flagSet(
  ..."--bin --example -p --package -F --features -j --jobs --profile --target --target-dir --manifest-path --config -Z --color".split(
    " ",
  ),
);

/** `cargo run [--bin NAME | --example NAME | -p PACKAGE] [-- arguments]`. */
function cargo(inv: Invocation, an: Analysis): void {
  const [sub, ...rest] = inv.args;
  if (sub !== "run" && sub !== "r") return;
  const parsed = parseArgs(rest, { valueFlags: CARGO_VALUES });
  const program = parsed.value("--bin", "--example", "-p", "--package") ?? "(the package's binary)";
  projectProgram("cargo run", program, parsed.rest, an);
}

const MAVEN_VALUES = flagSet(
  ..."-f --file -s --settings -gs --global-settings -t --toolchains -P --activate-profiles -pl --projects -rf --resume-from -T --threads -l --log-file -b --builder -D --define".split(
    " ",
  ),
);
const GRADLE_VALUES = flagSet(
  ..."-b --build-file -c --settings-file -p --project-dir -g --gradle-user-home -I --init-script -x --exclude-task -D --system-prop -P --project-prop --console --warning-mode --max-workers --priority --tests --include-build --dependency-verification".split(
    " ",
  ),
);

function buildTasks(valueFlags: ReadonlySet<string>): CommandAnalyzer {
  return (inv, an) => {
    for (const target of parseArgs(inv.args, { valueFlags }).positionals) task(inv, inv.name, target, an);
  };
}

/** sbt's commands are its arguments, each a task with its own words (`"runMain com.acme.Purge --all"`). */
function sbt(inv: Invocation, an: Analysis): void {
  for (const command of parseArgs(inv.args).positionals) {
    const [name = "", ...args] = command.trim().split(/\s+/);
    if (name === "run" || name === "runMain") projectProgram(`sbt ${name}`, args[0] ?? "", args.slice(1), an);
    else task(inv, "sbt", name, an);
  }
}

/** Composer's own commands; any other word is one of the project's scripts, as `composer run-script` names. */
const COMPOSER_BUILTINS = new Set(
  "about archive audit browse home bump check-platform-reqs clear-cache clearcache config create-project depends why diagnose dump-autoload dumpautoload exec fund global help init install i info licenses list outdated prohibits why-not reinstall remove rm require r run-script run search self-update selfupdate show status suggests update u upgrade validate".split(
    " ",
  ),
);

/** The scripts composer runs on its own events around an install or an update. */
const INSTALL_EVENTS = ["pre-install-cmd", "post-install-cmd", "pre-autoload-dump", "post-autoload-dump"];
const UPDATE_EVENTS = ["pre-update-cmd", "post-update-cmd", "pre-autoload-dump", "post-autoload-dump"];
const COMPOSER_EVENTS: Record<string, string[]> = {
  install: INSTALL_EVENTS,
  i: INSTALL_EVENTS,
  update: UPDATE_EVENTS,
  u: UPDATE_EVENTS,
  upgrade: UPDATE_EVENTS,
  "dump-autoload": ["pre-autoload-dump", "post-autoload-dump"],
  dumpautoload: ["pre-autoload-dump", "post-autoload-dump"],
};

function composer(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet("-d", "--working-dir") });
  const [sub, script, ...args] = parsed.positionals;
  if (!sub) return;
  // The project's composer.json, unless the command points at another directory.
  const here = !parsed.has("-d", "--working-dir");
  const events = COMPOSER_EVENTS[sub];
  if (events && here && !parsed.has("--no-scripts"))
    for (const event of events) judgeComposerScript(an, event, []);
  if (sub === "run-script" || sub === "run") {
    if (script) opaqueTarget("composer run", script, an);
    if (script && here) judgeComposerScript(an, script, args);
  } else if (!COMPOSER_BUILTINS.has(sub)) {
    opaqueTarget("composer", sub, an);
    if (here) judgeComposerScript(an, sub, script === undefined ? args : [script, ...args]);
  }
}

const JAVA_VALUES = flagSet(
  ..."-cp -classpath --class-path -p --module-path --add-modules --add-opens --add-exports".split(" "),
);

/** `java -jar x.jar args`, `java [options] Main args`, `java -m module/Main args`. */
function java(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: flagSet(...JAVA_VALUES, "-jar", "-m", "--module") });
  const jar = parsed.value("-jar", "-m", "--module");
  if (jar) {
    const at = inv.args.lastIndexOf(jar);
    projectProgram("java", jar, inv.args.slice(at + 1), an);
    return;
  }
  const [main, ...args] = parseArgs(inv.args, { valueFlags: JAVA_VALUES, stopAtPositional: true }).rest;
  if (main) projectProgram("java", main, args, an);
}

/** `swift run [NAME] [arguments]`. */
function swift(inv: Invocation, an: Analysis): void {
  if (inv.args[0] !== "run") return;
  const [program, ...args] = parseArgs(inv.args.slice(1), {
    valueFlags: flagSet("-c", "--configuration", "--package-path"),
    stopAtPositional: true,
  }).rest;
  if (program) projectProgram("swift run", program, args, an);
}

/** The TypeScript runners run a file or `-e` code as node does. */
const node = interpreterCommands.node!;

export const buildToolCommands: CommandTable = {
  go,
  cargo,
  mvn: buildTasks(MAVEN_VALUES),
  mvnw: buildTasks(MAVEN_VALUES),
  gradle: buildTasks(GRADLE_VALUES),
  gradlew: buildTasks(GRADLE_VALUES),
  sbt,
  composer,
  java,
  swift,
  tsx: node,
  "ts-node": node,
  "ts-node-esm": node,
};
