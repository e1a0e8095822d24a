// DNS zones kept as code and the CLIs that write them: an applier makes the live zone match its files, so a record
// the files do not declare is deleted. dnscontrol, octoDNS and cli53.
import type { Analysis } from "../analysis.ts";
import { flagSet, type ParsedArgs, parseArgs } from "../args.ts";
import type { CommandTable, Invocation } from "../command.ts";
import { leadingPositionals, withSubcommandWords } from "./unjudged-words.ts";

const DNSCONTROL_VALUES = flagSet(
  "--config",
  "--creds",
  "--domains",
  "--providers",
  "--report",
  "--bindserial",
  "--cmode",
  "--js",
  "--ir",
  "--out",
  "--format",
  "-v",
);

/** `dnscontrol push` applies what `dnscontrol preview` shows; the other commands read, check or write local files. */
function dnscontrol(inv: Invocation, an: Analysis): void {
  const sub = parseArgs(inv.args, { valueFlags: DNSCONTROL_VALUES }).positionals[0];
  if (sub === "push")
    an.destroys(
      "dnscontrol push makes the live zones match dnsconfig.js: records it does not declare are deleted",
      "record:delete",
    );
  else if (sub === "preview") an.harmless("dnscontrol preview only shows the changes");
}

/** octodns-sync plans unless told `--doit`. */
function octodnsSync(inv: Invocation, an: Analysis): void {
  if (inv.args.includes("--doit"))
    an.destroys(
      "octodns-sync --doit makes the live zones match the configuration: records it does not declare are deleted",
      "record:delete",
    );
  else an.harmless("octodns-sync without --doit only plans");
}

const CLI53_VALUES = flagSet(
  "--file",
  "-f",
  "--profile",
  "--endpoint-url",
  "--role-arn",
  "--format",
  "--ttl",
);

function cli53(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: CLI53_VALUES });
  const [sub, zone = ""] = parsed.positionals;
  const shown = `cli53 ${sub} ${zone}`.trim();
  if (sub === "rrpurge")
    an.destroys(`${shown} deletes every record but the zone's NS and SOA`, "record:delete");
  else if (sub === "rrdelete") an.destroys(`${shown} deletes the record`, "record:delete");
  else if (sub === "delete") an.destroys(`${shown} deletes the hosted zone`, "zone:delete");
  else if (sub === "import") cli53Import(shown, parsed, an);
}

/** `cli53 import --replace` deletes the records the file does not hold; without it the file's are added. */
function cli53Import(shown: string, parsed: ParsedArgs, an: Analysis): void {
  if (parsed.has("--dry-run")) an.harmless(`${shown} --dry-run only shows the changes`);
  else if (parsed.has("--replace"))
    an.destroys(`${shown} --replace deletes the records the file does not hold`, "record:delete");
  else an.harmless(`${shown} adds the file's records`);
}

export const dnsZoneCommands: CommandTable = {
  dnscontrol: withSubcommandWords(dnscontrol, leadingPositionals(1, DNSCONTROL_VALUES)),
  "octodns-sync": octodnsSync,
  cli53: withSubcommandWords(cli53, leadingPositionals(1, CLI53_VALUES)),
};
