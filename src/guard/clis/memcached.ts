// libmemcached's command-line tools: memcflush empties every server it is given, memcrm deletes the keys it names.
import type { CommandTable } from "../command.ts";

export const memcachedCommands: CommandTable = {
  memcflush: (_inv, an) => an.destroys("memcflush deletes every item on the servers", "cache:flush"),
  memcrm: (inv, an) => {
    const keys = inv.args.filter((a) => !a.startsWith("-"));
    if (keys.length) an.destroys(`memcrm deletes ${keys.join(" ")}`, "cache:delete");
  },
};
