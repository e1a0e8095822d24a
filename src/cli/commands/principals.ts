// `leash agents …` and `leash humans …`: admin commands over the API (LEASH_URL, LEASH_HUMAN_KEY).
import type { Command } from "commander";
import qrcode from "qrcode-terminal";
import { apiClientFromEnv, callApi } from "../api-client.ts";
import { parseList } from "../options.ts";
import { fieldLines, jsonOption, printResult, shown, table } from "../output.ts";
import { readSecret } from "../secret-input.ts";

/** A principal as the API shows it (never its key, except right after create and rotate-key). */
interface PrincipalView {
  id: string;
  kind: "agent" | "human";
  disabled: boolean;
  created_at: string;
  created_by: string | null;
  scopes?: string[];
  roles?: string[];
  totp_confirmed?: boolean;
  totp_enrolment_pending?: boolean;
  api_key?: string;
}

const status = (p: PrincipalView) => (p.disabled ? "disabled" : "enabled");
const grants = (p: PrincipalView) => (p.kind === "agent" ? p.scopes : p.roles)?.join(",") ?? "";
const totpState = (p: PrincipalView) =>
  p.totp_confirmed ? "confirmed" : p.totp_enrolment_pending ? "enrolment pending" : "not enrolled";

/** One principal after a change: what it is now, and its new key when there is one (shown once). */
function describePrincipal(p: PrincipalView, done: string): string {
  const fields: [string, unknown][] = [
    [p.kind === "agent" ? "scopes" : "roles", grants(p)],
    ["status", status(p)],
  ];
  if (p.kind === "human") fields.push(["totp", totpState(p)]);
  fields.push(["created", `${p.created_at} by ${p.created_by ?? "-"}`]);
  if (p.api_key) fields.push(["api key", p.api_key]);
  return `${p.kind} ${shown(p.id)} ${done}\n${fieldLines(fields)}`;
}

function registerLifecycle(group: Command, collection: "agents" | "humans"): void {
  jsonOption(group.command("list").description(`list ${collection}`)).action(
    async (options: { json?: boolean }) => {
      const { body } = await callApi<Record<string, PrincipalView[]>>(
        apiClientFromEnv("LEASH_HUMAN_KEY"),
        "GET",
        `/v1/${collection}`,
      );
      printResult(options, body, (b) => {
        const all = b[collection] ?? [];
        if (all.length === 0) return `no ${collection}`;
        const human = collection === "humans";
        return table(
          ["ID", "STATUS", human ? "ROLES" : "SCOPES", ...(human ? ["TOTP"] : []), "CREATED BY", "CREATED"],
          all.map((p) => [
            p.id,
            status(p),
            grants(p),
            ...(human ? [totpState(p)] : []),
            p.created_by,
            p.created_at,
          ]),
        );
      });
    },
  );
  const done = { disable: "disabled", enable: "enabled", "rotate-key": "has a new key" } as const;
  for (const verb of ["disable", "enable", "rotate-key"] as const) {
    const command = group
      .command(`${verb} <id>`)
      .description(
        verb === "rotate-key" ? "issue a new key; the old one stops working at once" : `${verb} one`,
      );
    jsonOption(command).action(async (id: string, options: { json?: boolean }) => {
      const path = `/v1/${collection}/${encodeURIComponent(id)}/${verb}`;
      const { body } = await callApi<PrincipalView>(apiClientFromEnv("LEASH_HUMAN_KEY"), "POST", path);
      printResult(options, body, (p) => describePrincipal(p, done[verb]));
    });
  }
}

export function registerPrincipalCommands(program: Command): void {
  const agents = program
    .command("agents")
    .description("manage agents (needs an admin key in LEASH_HUMAN_KEY)");
  jsonOption(
    agents
      .command("create")
      .description("create an agent and print its key once")
      .requiredOption("--id <id>", "agent id")
      .requiredOption("--scopes <globs>", "comma-separated scope id globs it may request", parseList),
  ).action(async (options: { id: string; scopes: string[]; json?: boolean }) => {
    const { body } = await callApi<PrincipalView>(apiClientFromEnv("LEASH_HUMAN_KEY"), "POST", "/v1/agents", {
      id: options.id,
      scopes: options.scopes,
    });
    printResult(options, body, (p) => describePrincipal(p, "created"));
    process.stderr.write(
      "The api key is shown once; store it where only this agent's bootstrap can read it.\n",
    );
  });
  registerLifecycle(agents, "agents");

  const humans = program
    .command("humans")
    .description("manage humans (needs an admin key in LEASH_HUMAN_KEY)");
  jsonOption(
    humans
      .command("create")
      .description("create a human and print its key and one-time enrolment token once")
      .requiredOption("--id <id>", "human id")
      .requiredOption("--roles <roles>", "comma-separated: admin, security, approver:<group>", parseList),
  ).action(async (options: { id: string; roles: string[]; json?: boolean }) => {
    const { body } = await callApi<PrincipalView & { enrolment: { token: string; expires_at: string } }>(
      apiClientFromEnv("LEASH_HUMAN_KEY"),
      "POST",
      "/v1/humans",
      { id: options.id, roles: options.roles },
    );
    printResult(
      options,
      body,
      (p) =>
        `${describePrincipal(p, "created")}\n${fieldLines([
          ["enrolment token", p.enrolment.token],
          ["enrol before", p.enrolment.expires_at],
        ])}`,
    );
    process.stderr.write(
      `The api key and enrolment token are shown once. Give both to ${shown(options.id)}, who enrols their own ` +
        `authenticator before ${shown(body.enrolment.expires_at)} with: LEASH_HUMAN_KEY=<their key> leash humans ` +
        "enroll --token-file <file holding the enrolment token>. Nobody else ever sees their TOTP secret.\n",
    );
  });
  jsonOption(
    humans
      .command("enroll")
      .description(
        "redeem your one-time enrolment token for your TOTP secret (LEASH_HUMAN_KEY is your own key); shown once",
      )
      .option("--token <lse_…>", "the enrolment token your admin gave you (- reads it from stdin)")
      .option("--token-file <path>", "read the enrolment token from this file (- for stdin)"),
  ).action(async (options: { token?: string; tokenFile?: string; json?: boolean }) => {
    const token = await readSecret({
      what: "enrolment token",
      flag: "--token",
      fileFlag: "--token-file",
      value: options.token,
      file: options.tokenFile,
    });
    const { body } = await callApi<{ id: string; totp: { secret: string; otpauth_uri: string } }>(
      apiClientFromEnv("LEASH_HUMAN_KEY"),
      "POST",
      "/v1/humans/me/totp/enroll",
      { token },
    );
    printResult(
      options,
      body,
      (b) =>
        `TOTP secret for ${shown(b.id)} (shown once)\n${fieldLines([
          ["secret", b.totp.secret],
          ["otpauth uri", b.totp.otpauth_uri],
        ])}`,
    );
    process.stderr.write("Scan this with your authenticator app (or type the secret in):\n");
    qrcode.generate(body.totp.otpauth_uri, { small: true }, (qr) => process.stderr.write(`${qr}\n`));
    process.stderr.write("Then confirm enrolment with: leash humans confirm-totp --code <code>\n");
  });
  jsonOption(
    humans
      .command("confirm-totp")
      .description("confirm your TOTP enrolment with a first code (LEASH_HUMAN_KEY is your own key)")
      .requiredOption("--code <totp>", "six-digit code from the authenticator app (- reads it from stdin)"),
  ).action(async (options: { code: string; json?: boolean }) => {
    const code = await readSecret({ what: "code", flag: "--code", value: options.code });
    const { body } = await callApi<PrincipalView>(
      apiClientFromEnv("LEASH_HUMAN_KEY"),
      "POST",
      "/v1/humans/me/totp/confirm",
      { totp: code },
    );
    printResult(options, body, (p) => describePrincipal(p, "confirmed TOTP enrolment"));
  });
  registerLifecycle(humans, "humans");
}
