// Private data opened to everyone: a bucket or object ACL made public, a public access block removed, a snapshot or
// image shared with every account, an IAM binding for allUsers, a private repository made public. Nothing is deleted,
// but what was private is published, and taking it back does not unpublish what was copied meanwhile.
import type { Analysis } from "../analysis.ts";
import type { Invocation } from "../command.ts";

/** The CLIs whose calls these settings appear in. */
export const PUBLISHING_CLIS = new Set(["aws", "gcloud", "gsutil", "az", "gh", "glab"]);

/** Canned ACLs that let anyone (or any AWS or Google account) read or write. */
const PUBLIC_ACL =
  /^(?:public-read|public-read-write|authenticated-read|publicread|publicreadwrite|allauthenticatedusers|allusers)$/i;
const ACL_FLAG = /^--(?:acl|canned-acl|predefined-acl|predefined-default-object-acl)$/;
/** S3's grantee groups for everyone and for every AWS account. */
const EVERYONE_GROUP = /acs\.amazonaws\.com\/groups\/global\/(?:AllUsers|AuthenticatedUsers)/i;
/** Google's principals for everyone and for every Google account: `--member=allUsers`, `allUsers:objectViewer`. */
const GOOGLE_EVERYONE = /(?:^|[\s=:,])(?:allUsers|allAuthenticatedUsers)(?=$|[\s:,])/i;
/** A public access block setting switched off: `BlockPublicAcls=false`, `"RestrictPublicBuckets": false`. */
const BLOCK_OFF = /(?:Block|Ignore|Restrict)Public\w*"?\s*[:=]\s*false/i;
/** Shared with every account: `--group-names all`, `Add=[{Group=all}]`, `--values-to-add all`. */
const SHARED_WITH_ALL = /(?:^|\s)--(?:group-names|values-to-add)\s+all(?:\s|$)|Group"?\s*[:=]\s*"?all\b/i;
/** A resource policy whose principal is anyone: `"Principal": "*"`, `{"AWS": "*"}`. */
const ANY_PRINCIPAL = /"Principal"\s*:\s*(?:"\*"|\{\s*"AWS"\s*:\s*"\*"\s*\})/i;

/** Uploads, whose ACL is the new objects' own. */
const UPLOAD = /(?:^|\s)(?:s3\s+(?:cp|sync|mv)|storage\s+(?:cp|rsync))\s|^(?:cp|rsync)\s/;
/**
 * Services whose public binding makes an endpoint callable (`gcloud run services add-iam-policy-binding --member=allUsers
 * --role=roles/run.invoker` is how a public web service is served), not stored data readable.
 */
const SERVES_REQUESTS = /^(?:run|functions|endpoints|api-gateway|app)$/;

/** The value of `--flag value` or `--flag=value` among the arguments. */
function optionValue(args: readonly string[], flag: RegExp): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    const eq = arg.indexOf("=");
    if (eq > 0 && flag.test(arg.slice(0, eq))) return arg.slice(eq + 1);
    if (flag.test(arg)) return args[i + 1];
  }
  return undefined;
}

/** What the call opens to everyone, or undefined. */
function opened(inv: Invocation): string | undefined {
  const args = inv.args;
  const text = args.join(" ");
  const words = args.filter((a) => !a.startsWith("-"));
  // Taking a grant or a binding away closes access rather than opening it.
  if (words.some((w) => w.startsWith("remove-")) || (inv.name === "gsutil" && args.includes("-d")))
    return undefined;
  // An upload made public (`aws s3 sync ./dist s3://site --acl public-read`) publishes the files it sends, as a site
  // deploy does; changing the ACL of what is stored already publishes what was private.
  const acl = UPLOAD.test(`${words.join(" ")} `) ? undefined : optionValue(args, ACL_FLAG);
  if (acl && PUBLIC_ACL.test(acl)) return `the ACL ${acl} lets anyone read it`;
  if (
    inv.name === "gsutil" &&
    /^(?:acl|defacl)$/.test(words[0] ?? "") &&
    words[1] === "set" &&
    PUBLIC_ACL.test(words[2] ?? "")
  )
    return `the ACL ${words[2]} lets anyone read it`;
  if (EVERYONE_GROUP.test(text)) return "a grant to every user or every AWS account";
  if (
    (inv.name === "gsutil" || (inv.name === "gcloud" && !SERVES_REQUESTS.test(words[0] ?? ""))) &&
    GOOGLE_EVERYONE.test(text)
  )
    return "a binding for allUsers or allAuthenticatedUsers";
  if (
    inv.name === "gsutil" &&
    words[0] === "acl" &&
    /(?:^|\s)-[ug]\s+All(?:Authenticated)?Users:/i.test(text)
  )
    return "an ACL entry for all users";
  if (inv.name === "aws") {
    const operation = words.find((w) => /^(?:delete|put|modify|set|add)-[a-z-]+$/.test(w)) ?? "";
    if (operation === "delete-public-access-block") return "removes the public access block";
    if (operation === "put-public-access-block" && BLOCK_OFF.test(text))
      return "switches the public access block off";
    if (/^modify-.*(?:snapshot|image)-attribute$/.test(operation) && SHARED_WITH_ALL.test(text))
      return "shares it with every AWS account";
    if (/^modify-/.test(operation) && args.includes("--publicly-accessible"))
      return "--publicly-accessible puts it on the internet";
    if (
      /^(?:put-bucket-policy|set-repository-policy|put-resource-policy)$/.test(operation) &&
      ANY_PRINCIPAL.test(text)
    )
      return "a policy that lets anyone in";
  }
  if (inv.name === "gcloud" && args.includes("--no-public-access-prevention"))
    return "--no-public-access-prevention lets its objects be made public";
  if (inv.name === "az") {
    const access = optionValue(args, /^--public-access$/);
    if (access && /^(?:blob|container)$/i.test(access) && !words.includes("create"))
      return `--public-access ${access} lets anyone read it`;
    const allow = optionValue(args, /^--allow-blob-public-access$/);
    if (allow !== undefined && /^true$/i.test(allow))
      return "--allow-blob-public-access true lets containers be public";
  }
  if (inv.name === "gh" || inv.name === "glab") {
    const visibility = optionValue(args, /^--visibility$/);
    if (visibility?.toLowerCase() === "public" && words.some((w) => /^(?:edit|update)$/.test(w)))
      return "--visibility public publishes the repository";
    if (words[0] === "api" && /(?:^|\s)(?:private=false|visibility=public)(?:\s|$)/.test(text))
      return "makes the repository public";
  }
  return undefined;
}

/**
 * Ports of services no one serves to the whole internet: remote shells and desktops, databases, caches, search
 * engines, brokers, container and cluster control planes.
 */
const PRIVATE_PORTS = new Set([
  22, 23, 445, 1433, 1521, 2375, 2376, 2379, 2380, 3306, 3389, 5432, 5601, 5984, 6379, 6443, 7000, 7001, 8086,
  8500, 9042, 9092, 9200, 9300, 10250, 11211, 15672, 27017, 28015,
]);
/** A source that is every address: `0.0.0.0/0`, `::/0`, Azure's `*`, `Internet` and `Any`. */
const EVERY_ADDRESS = /^(?:0\.0\.0\.0\/0|::\/0|\*|internet|any)$/i;
const ANY_CIDR = /(?:^|[^\d.])0\.0\.0\.0\/0(?![\d])|(?:^|[^:\w])::\/0(?![\d])/;

/** The private ports a list of port ranges (`5432`, `1000-2000`, `*`, `tcp`, `all`) reaches; every port counts. */
function privatePortsIn(ranges: readonly string[]): string | undefined {
  for (const range of ranges) {
    if (/^(?:\*|-1|all|tcp|udp|0-65535|1-65535)$/i.test(range)) return "every port";
    const m = /^(?:(?:tcp|udp):)?(\d+)(?:-(\d+))?$/i.exec(range);
    if (!m) continue;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    for (const port of PRIVATE_PORTS) if (port >= from && port <= to) return `port ${port}`;
  }
  return undefined;
}

/** An inbound rule from every address to a private port: a database, shell or cache put on the internet. */
function openedToInternet(inv: Invocation): string | undefined {
  const args = inv.args;
  const words = args.filter((a) => !a.startsWith("-"));
  const list = (flag: RegExp) => (optionValue(args, flag) ?? "").split(/[\s,]+/).filter(Boolean);
  let ports: string | undefined;
  // Found among the words wherever global options put them (`aws --region eu-west-1 ec2 …`).
  const after = (group: string) => words[words.indexOf(group) + 1] ?? "";
  if (inv.name === "aws" && words.includes("authorize-security-group-ingress")) {
    const text = args.join(" ");
    if (!ANY_CIDR.test(text)) return undefined;
    const protocol = optionValue(args, /^--protocol$/) ?? /IpProtocol"?\s*[=:]\s*"?(-?\w+)/.exec(text)?.[1];
    const from = /FromPort"?\s*[=:]\s*(-?\d+)/.exec(text)?.[1];
    const to = /ToPort"?\s*[=:]\s*(-?\d+)/.exec(text)?.[1];
    ports =
      protocol === "-1" || protocol === "all"
        ? "every port"
        : privatePortsIn([optionValue(args, /^--port$/) ?? (from ? `${from}-${to ?? from}` : "")]);
  } else if (inv.name === "gcloud" && /^(?:create|update)$/.test(after("firewall-rules"))) {
    if (!list(/^--source-ranges$/).some((r) => EVERY_ADDRESS.test(r))) return undefined;
    if (/^egress$/i.test(optionValue(args, /^--direction$/) ?? "")) return undefined;
    ports = privatePortsIn(list(/^--allow$/));
  } else if (inv.name === "az" && after("nsg") === "rule" && /^(?:create|update)$/.test(after("rule"))) {
    const sources = [...list(/^--source-address-prefix(?:es)?$/)].map((s) => s.replace(/^['"]|['"]$/g, ""));
    if (!sources.some((s) => EVERY_ADDRESS.test(s))) return undefined;
    if (/^deny$/i.test(optionValue(args, /^--access$/) ?? "")) return undefined;
    if (/^outbound$/i.test(optionValue(args, /^--direction$/) ?? "")) return undefined;
    ports = privatePortsIn(list(/^--destination-port-ranges?$/).map((p) => p.replace(/^['"]|['"]$/g, "")));
  }
  return ports && `an inbound rule from every address to ${ports}`;
}

/** Asks about a call that publishes what was private, whatever the CLI's own rules found. */
export function judgePublicAccess(inv: Invocation, an: Analysis): void {
  const what = opened(inv);
  if (what) an.destroys(`${inv.name} opens private data to everyone: ${what}`, "access:public");
  const exposed = openedToInternet(inv);
  if (exposed) an.destroys(`${inv.name} puts a private service on the internet: ${exposed}`, "access:public");
}
