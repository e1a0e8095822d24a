// The one logger redacts every secret-bearing field leash could log, wherever it sits in the object.
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "../../src/log/logger.ts";

describe("createLogger redaction", () => {
  it("never writes a token, key, TOTP, password, credential or authorization header", () => {
    const lines: string[] = [];
    const logger = createLogger(
      "info",
      new Writable({
        write(chunk, _encoding, done) {
          lines.push(String(chunk));
          done();
        },
      }),
    );
    const secret = (name: string) => `SECRET-${name}`;
    logger.info(
      {
        token: secret("token"),
        api_key: secret("api_key"),
        apiKey: secret("apiKey"),
        password: secret("password"),
        totp: secret("totp"),
        secret: secret("secret"),
        authorization: secret("authorization"),
        credentials: { username: secret("username"), password: secret("cred-password") },
        client_token: secret("client_token"),
        totp_secret: secret("totp_secret"),
        otpauth_uri: secret("otpauth_uri"),
        headers: { authorization: secret("headers.authorization") },
        req: {
          headers: {
            authorization: secret("req.authorization"),
            "leash-approval": secret("leash-approval"),
            cookie: secret("cookie"),
            "x-vault-token": secret("x-vault-token"),
          },
        },
        body: {
          token: secret("body.token"),
          api_key: secret("body.api_key"),
          totp: secret("body.totp"),
          credentials: { password: secret("body.credentials") },
          totp_secret: secret("body.totp_secret"),
        },
        response: { headers: { authorization: secret("response.authorization") } },
        kept: "visible",
      },
      "everything",
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toContain("SECRET-");
    expect(JSON.parse(lines[0]!)).toMatchObject({ kept: "visible", token: "[redacted]", msg: "everything" });
  });
});
