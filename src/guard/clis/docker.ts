// docker/podman and compose: volumes and containers hold data, images and build cache do not; exec/run carry a command.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import { type CommandTable, type Invocation, tailWords } from "../command.ts";
import { literal } from "../word.ts";
import { leadingWords, withSubcommandWords } from "./unjudged-words.ts";

const GLOBAL_VALUES = flagSet(
  "-H",
  "--host",
  "--context",
  "-c",
  "--config",
  "-l",
  "--log-level",
  "--tlscacert",
  "--tlscert",
  "--tlskey",
);
const COMPOSE_VALUES = flagSet(
  "-f",
  "--file",
  "-p",
  "--project-name",
  "--profile",
  "--env-file",
  "--project-directory",
  "--ansi",
  "--parallel",
);
const RUN_VALUES = flagSet(
  "-v",
  "--volume",
  "-e",
  "--env",
  "--name",
  "-p",
  "--publish",
  "-w",
  "--workdir",
  "--network",
  "--net",
  "--entrypoint",
  "-u",
  "--user",
  "--env-file",
  "--mount",
  "-l",
  "--label",
  "--platform",
  "--pull",
  "--restart",
  "-h",
  "--hostname",
  "-m",
  "--memory",
  "--cpus",
  "--add-host",
  "--device",
  "--log-driver",
  "--log-opt",
  "--health-cmd",
  "--tmpfs",
  "--ulimit",
  "--cap-add",
  "--cap-drop",
  "--security-opt",
  "--gpus",
  "--shm-size",
  "--ipc",
  "--pid",
  "--dns",
  "--link",
  "--volumes-from",
  "--cidfile",
  "--expose",
  "--group-add",
  "--stop-signal",
  "--stop-timeout",
  "--runtime",
  "-a",
  "--attach",
  "--detach-keys",
  "--memory-swap",
  "--cpu-shares",
);
const EXEC_VALUES = flagSet(
  "-e",
  "--env",
  "-u",
  "--user",
  "-w",
  "--workdir",
  "--env-file",
  "--detach-keys",
  "--index",
);

function runInside(
  inv: Invocation,
  args: readonly string[],
  valueFlags: ReadonlySet<string>,
  what: string,
): void {
  // The first positional is the container, service or image; the rest is the command run inside it.
  const parsed = parseArgs(args, { valueFlags, stopAtPositional: true });
  const command = tailWords(inv, Math.max(parsed.rest.length - 1, 0));
  if (command.length)
    inv.run(command, {
      stdin: inv.stdin,
      piped: inv.piped,
      stdinHint: inv.stdinHint || `${what} ${parsed.rest[0] ?? ""}`,
    });
}

function compose(inv: Invocation, args: readonly string[], an: Analysis): void {
  const parsed = parseArgs(args, { valueFlags: COMPOSE_VALUES, stopAtPositional: true });
  const [sub, ...rest] = parsed.rest;
  const subArgs = parseArgs(rest, { valueFlags: flagSet("-t", "--timeout", "--rmi") });
  switch (sub) {
    case "down":
      if (subArgs.has("-v", "--volumes"))
        an.destroys("docker compose down -v deletes the named volumes and their data", "volume:delete");
      return;
    case "rm":
      an.destroys(
        `docker compose rm deletes stopped containers${subArgs.has("-v", "--volumes") ? " and their anonymous volumes" : ""}`,
        "container:delete",
      );
      return;
    case "exec":
      runInside(inv, rest, EXEC_VALUES, "compose service");
      return;
    case "run":
      runInside(inv, rest, RUN_VALUES, "compose service");
      return;
    case "up":
      an.harmless("docker compose up", "deploy:create");
      return;
  }
}

function docker(inv: Invocation, an: Analysis): void {
  const global = parseArgs(inv.args, { valueFlags: GLOBAL_VALUES, stopAtPositional: true });
  let [sub, ...rest] = global.rest;
  // Management commands: `docker container rm` ≡ `docker rm`, `docker volume prune`…
  const group = sub;
  if (
    group === "container" ||
    group === "image" ||
    group === "volume" ||
    group === "system" ||
    group === "network" ||
    group === "builder" ||
    group === "buildx"
  ) {
    sub = `${group} ${rest[0] ?? ""}`;
    rest = rest.slice(1);
  }
  const p = parseArgs(rest, { valueFlags: flagSet("--filter", "-f", "-t", "--time") });
  switch (sub) {
    case "compose":
      compose(inv, rest, an);
      return;
    case "rm":
    case "container rm":
      an.destroys(
        `docker rm deletes containers ${p.positionals.join(" ")}${p.has("-v", "--volumes") ? " and their anonymous volumes" : ""}`.trim(),
        "container:delete",
      );
      return;
    case "container prune":
      an.destroys("docker container prune deletes every stopped container", "container:delete");
      return;
    case "volume rm":
    case "volume prune":
      an.destroys(`docker ${sub} deletes volumes and their data`, "volume:delete");
      return;
    case "system prune":
      if (p.has("--volumes"))
        an.destroys(
          "docker system prune --volumes deletes unused volumes and their data, with containers and images",
          "volume:delete",
        );
      else
        an.destroys(
          "docker system prune deletes every stopped container, with unused images and networks",
          "container:delete",
        );
      return;
    case "rmi":
    case "image rm":
    case "image prune":
    case "builder prune":
    case "buildx prune":
    case "network rm":
    case "network prune":
      an.harmless(`docker ${sub} only removes images, build cache or networks, which can be rebuilt`);
      return;
    case "cp":
    case "container cp":
      copyIntoContainer(inv, p.positionals);
      return;
    case "exec":
    case "container exec":
      runInside(inv, rest, EXEC_VALUES, "container");
      return;
    case "run":
    case "container run":
      runInside(inv, rest, RUN_VALUES, "image");
      return;
  }
}

/** A container's path (`app:/data/app.db`, `ns/pod:/data`): what follows the first colon of a name without a slash before it. */
const CONTAINER_PATH = /^[\w.-]+(?:\/[\w.-]+)?:(?<path>.+)$/;

/**
 * `docker cp SRC CONTAINER:PATH`, `kubectl cp SRC POD:PATH`, and back out to the host: judged as `cp -f` onto the
 * destination's path, which replaces what is there (a database's live file, an audit log) as on the host.
 */
export function copyIntoContainer(inv: Invocation, operands: readonly string[]): void {
  const [source, target] = operands;
  if (source === undefined || target === undefined || target === "-") return;
  const path = CONTAINER_PATH.exec(target)?.groups?.path ?? target;
  const from = CONTAINER_PATH.exec(source)?.groups?.path ?? source;
  inv.run([literal("cp"), literal("-f"), literal(from), literal(path)]);
}

/**
 * The words that name what docker does: its command, and a management group's own subcommand (`docker secret rm`,
 * `podman system reset`); a plugin's words (podman's `pod rm`, `machine rm`) may all be subcommands.
 */
function dockerSubcommandWords(inv: Invocation): readonly string[] {
  const words = parseArgs(inv.args, { valueFlags: GLOBAL_VALUES, stopAtPositional: true }).rest;
  const group = words[0] ?? "";
  return !DOCKER_BUILTINS.has(group)
    ? leadingWords(words)
    : DOCKER_GROUPS.has(group)
      ? words.slice(0, 2)
      : [group];
}

/** docker's own commands, and podman's and nerdctl's that mean the same. */
const DOCKER_BUILTINS = new Set(
  (
    "attach build builder buildx commit compose config container context cp create diff events exec export " +
    "history image images import info inspect kill load login logout logs manifest network node pause plugin port " +
    "ps pull push rename restart rm rmi run save search secret service stack start stats stop swarm system tag top " +
    "trust unpause update version volume wait init"
  ).split(" "),
);
/** Commands whose second word is a subcommand of theirs (`docker secret rm`, `podman system reset`). */
const DOCKER_GROUPS = new Set(
  "builder buildx config container context image manifest network node plugin secret service stack swarm system trust volume".split(
    " ",
  ),
);

function dockerCompose(inv: Invocation, an: Analysis): void {
  compose(inv, inv.args, an);
}

const dockerJudged = withSubcommandWords(docker, dockerSubcommandWords);
const composeJudged = withSubcommandWords(dockerCompose, (inv) =>
  parseArgs(inv.args, { valueFlags: COMPOSE_VALUES, stopAtPositional: true }).rest.slice(0, 1),
);

export const dockerCommands: CommandTable = {
  docker: dockerJudged,
  podman: dockerJudged,
  nerdctl: dockerJudged,
  "docker-compose": composeJudged,
  "podman-compose": composeJudged,
};
