// Virtual machines and container runtimes whose verbs say more than they do (virsh's `destroy` only pulls the plug)
// or less (`qemu-img snapshot -d` deletes, `virsh undefine --remove-all-storage` deletes the disks).
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import type { CommandTable, Invocation } from "../command.ts";
import { literal } from "../word.ts";
import { withSubcommandWords } from "./unjudged-words.ts";

const VIRSH_VALUES = flagSet(
  "-c",
  "--connect",
  "-d",
  "--debug",
  "-l",
  "--log",
  "-e",
  "--escape",
  "-k",
  "--keepalive-interval",
  "-K",
  "--keepalive-count",
);

/** virsh's command and its arguments: the first word after its own options. */
function virshCommand(inv: Invocation): { command: string; rest: readonly string[] } {
  const [command = "", ...rest] = parseArgs(inv.args, {
    valueFlags: VIRSH_VALUES,
    stopAtPositional: true,
  }).rest;
  return { command, rest };
}

/** Commands that stop a domain, pool, network or interface: libvirt calls a hard stop "destroy"; nothing is deleted. */
const VIRSH_STOPS = new Set(["destroy", "pool-destroy", "net-destroy", "iface-destroy"]);
/** undefine's options that delete the domain's disks with its definition. */
const VIRSH_DELETES_STORAGE =
  /^--(?:remove-all-storage|storage|wipe-storage|delete-storage-volume-snapshots)(?:=|$)/;

function virsh(inv: Invocation, an: Analysis): void {
  const { command, rest } = virshCommand(inv);
  // One argument may hold a line of several commands (`virsh 'destroy web1; undefine web1 --storage vda'`): each is
  // judged as its own call.
  if (/[\s;]/.test(command)) {
    for (const line of [command, ...rest].join(" ").split(";"))
      if (line.trim()) inv.run([literal("virsh"), ...line.trim().split(/\s+/).map(literal)]);
    return;
  }
  const shown = `virsh ${command}`;
  if (VIRSH_STOPS.has(command))
    an.harmless(`${shown} stops it at once, as pulling the plug does; its definition and disks stay`);
  else if (command === "undefine" && rest.some((a) => VIRSH_DELETES_STORAGE.test(a)))
    an.destroys(`${shown} deletes the domain's disks with its definition`, "volume:delete");
  else if (command === "vol-delete" || command === "pool-delete")
    an.destroys(
      `${shown} deletes a storage ${command.startsWith("vol") ? "volume" : "pool"}`,
      "volume:delete",
    );
  else if (command === "vol-wipe" || command === "vol-upload")
    an.destroys(`${shown} writes over a storage volume's data`, "volume:overwrite");
  else if (command === "snapshot-delete" || command === "checkpoint-delete")
    an.destroysSafetyNet(`${shown} deletes a domain ${command.split("-")[0]}`, "snapshot:delete");
  else if (command === "snapshot-revert")
    an.destroys(`${shown} rolls the domain back to the snapshot: later writes are lost`, "volume:overwrite");
}

/** qemu-img: `snapshot -d` deletes a snapshot and `-a` reverts the image to one; `resize --shrink` cuts its end off. */
function qemuImg(inv: Invocation, an: Analysis): void {
  const [command] = inv.args;
  if (command === "snapshot") {
    if (inv.args.includes("-d"))
      an.destroysSafetyNet("qemu-img snapshot -d deletes a snapshot of the image", "snapshot:delete");
    else if (inv.args.includes("-a"))
      an.destroys(
        "qemu-img snapshot -a reverts the image to a snapshot: later writes are lost",
        "volume:overwrite",
      );
  } else if (command === "resize") {
    // A size taken away (`-5G`) shrinks as --shrink does; raw images need no --shrink to be cut.
    if (inv.args.includes("--shrink") || inv.args.some((a) => /^-\d/.test(a)))
      an.destroys("qemu-img resize shrinks the image, cutting off its end", "volume:truncate");
  }
}

/** crictl: images pull again (as `docker rmi`'s do); containers and pods removed lose what they held, as `docker rm`. */
function crictl(inv: Invocation, an: Analysis): void {
  const command = inv.args.find((a) => !a.startsWith("-"));
  if (command === "rmi") an.harmless("crictl rmi only removes images, which pull again");
  else if (command === "rm" || command === "rmp")
    an.destroys(`crictl ${command} deletes ${command === "rm" ? "containers" : "pods"}`, "container:delete");
}

const firstWord = (inv: Invocation) => inv.args.filter((a) => !a.startsWith("-")).slice(0, 1);

export const virtualizationCommands: CommandTable = {
  virsh: withSubcommandWords(virsh, (inv) => [virshCommand(inv).command]),
  "qemu-img": withSubcommandWords(qemuImg, firstWord),
  crictl: withSubcommandWords(crictl, firstWord),
};
