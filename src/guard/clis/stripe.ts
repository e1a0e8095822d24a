// The Stripe CLI: each resource command is one call of Stripe's REST API, judged as that request
// (`stripe invoices void_invoice in_1` is POST /v1/invoices/in_1/void, `stripe refunds create` is POST /v1/refunds).
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import type { CommandTable, Invocation } from "../command.ts";

const API = "https://api.stripe.com/v1";

const VALUE_FLAGS = flagSet(
  "-d",
  "--data",
  "-e",
  "--expand",
  "--api-key",
  "--stripe-account",
  "--stripe-version",
  "--project-name",
  "-p",
  "--color",
  "--log-level",
  "--device-name",
  "-i",
  "--idempotency",
  "-c",
  "--config",
  "--limit",
  "--starting-after",
  "--ending-before",
);

/** Resource groups spelled as two words (`stripe billing_portal sessions create`). */
const NAMESPACES = new Set([
  "billing",
  "billing_portal",
  "checkout",
  "climate",
  "entitlements",
  "financial_connections",
  "forwarding",
  "identity",
  "issuing",
  "radar",
  "reporting",
  "sigma",
  "tax",
  "terminal",
  "test_helpers",
  "treasury",
]);

/** The CLI's own commands: a login, a webhook listener, test events, logs, its settings. They change no data. */
const OWN_COMMANDS = new Set([
  "listen",
  "trigger",
  "login",
  "logout",
  "logs",
  "samples",
  "serve",
  "status",
  "open",
  "config",
  "completion",
  "version",
  "feedback",
  "resources",
  "community",
  "plugin",
  "plugins",
  "help",
]);

/** Operations that only read. */
const READS = new Set(["list", "retrieve", "search", "list_line_items", "upcoming"]);

/** `void_invoice` → `void`: the CLI names an action after its resource, the API path does not. */
function pathVerb(operation: string, resource: string): string {
  const singular = resource.replace(/s$/, "");
  return operation.endsWith(`_${singular}`) ? operation.slice(0, -singular.length - 1) : operation;
}

function stripe(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, { valueFlags: VALUE_FLAGS });
  const body = parsed.values("-d", "--data").join("&");
  const words = parsed.positionals;
  const first = words[0]?.toLowerCase();
  if (!first) return;
  if (first === "get" || first === "post" || first === "delete") {
    const path = words[1] ?? "";
    const url = path.startsWith("http") ? path : `${API}/${path.replace(/^\/?(?:v1\/)?/, "")}`;
    an.nested.http({ method: first.toUpperCase(), url, body });
    return;
  }
  if (OWN_COMMANDS.has(first)) {
    an.harmless(`stripe ${first} changes no data`);
    return;
  }
  // `stripe fixtures FILE` sends the requests the file lists.
  if (first === "fixtures") {
    an.uncertain(
      `stripe fixtures sends the requests in ${words[1] ?? "a file"}, which the guard cannot read`,
      false,
    );
    return;
  }
  const at = NAMESPACES.has(first) ? 2 : 1;
  const resource = words.slice(0, at).join("/");
  const operation = words[at]?.toLowerCase();
  if (!operation || inv.args.includes("--help") || inv.args.includes("-h")) return;
  const id = words[at + 1];
  const item = id ? `${API}/${resource}/${id}` : `${API}/${resource}`;
  if (READS.has(operation)) an.harmless(`stripe ${resource} ${operation} only reads`);
  else if (operation === "create") an.nested.http({ method: "POST", url: `${API}/${resource}`, body });
  else if (operation === "update") an.nested.http({ method: "POST", url: item, body });
  else if (operation === "delete") an.nested.http({ method: "DELETE", url: item, body });
  else an.nested.http({ method: "POST", url: `${item}/${pathVerb(operation, words[at - 1]!)}`, body });
}

export const stripeCommands: CommandTable = { stripe };
