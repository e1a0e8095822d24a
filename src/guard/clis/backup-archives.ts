// tarsnap: its mode is a short option, as tar's is; -d deletes the archives named, --nuke deletes every one.
import type { CommandTable } from "../command.ts";

/** A cluster of short options holding the delete mode (`-d`, `-vd`, `-df` before the archive name). */
const DELETE_MODE = /^-[a-zA-Z]*d[a-zA-Z]*$/;

export const backupArchiveCommands: CommandTable = {
  tarsnap: (inv, an) => {
    if (inv.args.includes("--nuke"))
      an.destroysSafetyNet("tarsnap --nuke deletes every archive", "backup:delete");
    else if (inv.args.some((a) => DELETE_MODE.test(a)))
      an.destroysSafetyNet("tarsnap -d deletes the archives it names", "backup:delete");
  },
};
