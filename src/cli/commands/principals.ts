// `leash agents …` and `leash humans …`: admin commands over the API (LEASH_URL, LEASH_HUMAN_KEY).
import type { Command } from "commander";
import qrcode from "qrcode-terminal";
import { terminalSafeJson } from "../../text/visible-text.ts";
import { apiClientFromEnv, callApi } from "../api-client.ts";
import { parseList } from "../options.ts";

function print(value: unknown): void {
  process.stdout.write(`${terminalSafeJson(value, 2)}\n`);
}

function registerLifecycle(group: Command, collection: "agents" | "humans"): void {
  group
    .command("list")
    .description(`list ${collection}`)
    .action(async () => {
      print((await callApi(apiClientFromEnv("LEASH_HUMAN_KEY"), "GET", `/v1/${collection}`)).body);
    });
  for (const verb of ["disable", "enable", "rotate-key"] as const) {
    group
      .command(`${verb} <id>`)
      .description(
        verb === "rotate-key" ? "issue a new key; the old one stops working at once" : `${verb} one`,
      )
      .action(async (id: string) => {
        const path = `/v1/${collection}/${encodeURIComponent(id)}/${verb}`;
        print((await callApi(apiClientFromEnv("LEASH_HUMAN_KEY"), "POST", path)).body);
      });
  }
}

export function registerPrincipalCommands(program: Command): void {
  const agents = program
    .command("agents")
    .description("manage agents (needs an admin key in LEASH_HUMAN_KEY)");
  agents
    .command("create")
    .description("create an agent and print its key once")
    .requiredOption("--id <id>", "agent id")
    .requiredOption("--scopes <globs>", "comma-separated scope id globs it may request", parseList)
    .action(async (options: { id: string; scopes: string[] }) => {
      const { body } = await callApi(apiClientFromEnv("LEASH_HUMAN_KEY"), "POST", "/v1/agents", options);
      print(body);
      process.stderr.write(
        "The api_key is shown once; store it where only this agent's bootstrap can read it.\n",
      );
    });
  registerLifecycle(agents, "agents");

  const humans = program
    .command("humans")
    .description("manage humans (needs an admin key in LEASH_HUMAN_KEY)");
  humans
    .command("create")
    .description("create a human and print its key and one-time enrolment token once")
    .requiredOption("--id <id>", "human id")
    .requiredOption("--roles <roles>", "comma-separated: admin, security, approver:<group>", parseList)
    .action(async (options: { id: string; roles: string[] }) => {
      const { body } = await callApi<{ enrolment: { expires_at: string } }>(
        apiClientFromEnv("LEASH_HUMAN_KEY"),
        "POST",
        "/v1/humans",
        options,
      );
      print(body);
      process.stderr.write(
        `The api_key and enrolment token are shown once. Give both to ${options.id}, who enrols their own ` +
          `authenticator before ${body.enrolment.expires_at} with: LEASH_HUMAN_KEY=<their key> leash humans enroll ` +
          "--token <enrolment token>. Nobody else ever sees their TOTP secret.\n",
      );
    });
  humans
    .command("enroll")
    .description(
      "redeem your one-time enrolment token for your TOTP secret (LEASH_HUMAN_KEY is your own key); shown once",
    )
    .requiredOption("--token <lse_…>", "the enrolment token your admin gave you")
    .action(async (options: { token: string }) => {
      const { body } = await callApi<{ totp: { otpauth_uri: string } }>(
        apiClientFromEnv("LEASH_HUMAN_KEY"),
        "POST",
        "/v1/humans/me/totp/enroll",
        { token: options.token },
      );
      print(body);
      process.stderr.write("Scan this with your authenticator app (or type the secret in):\n");
      qrcode.generate(body.totp.otpauth_uri, { small: true }, (qr) => process.stderr.write(`${qr}\n`));
      process.stderr.write("Then confirm enrolment with: leash humans confirm-totp --code <code>\n");
    });
  humans
    .command("confirm-totp")
    .description("confirm your TOTP enrolment with a first code (LEASH_HUMAN_KEY is your own key)")
    .requiredOption("--code <totp>", "six-digit code from the authenticator app")
    .action(async (options: { code: string }) => {
      print(
        (
          await callApi(apiClientFromEnv("LEASH_HUMAN_KEY"), "POST", "/v1/humans/me/totp/confirm", {
            totp: options.code,
          })
        ).body,
      );
    });
  registerLifecycle(humans, "humans");
}
