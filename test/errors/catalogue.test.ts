import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { errorCatalogue, isErrorCode, statusTitles, titleFor } from "../../src/errors/catalogue.ts";
import { LeashError, PassedOnError } from "../../src/errors/leash-error.ts";
import { answeredProblem, problem } from "../../src/errors/problem.ts";

const entries = Object.entries(errorCatalogue);

describe("the error catalogue", () => {
  it("gives every code an error status and the HTTP title of that status", () => {
    for (const [code, entry] of entries) {
      expect(code).toMatch(/^[a-z][a-z0-9_]*[a-z0-9]$/);
      expect(entry.status, code).toBeGreaterThanOrEqual(400);
      expect(entry.status, code).toBeLessThan(600);
      expect(entry.title, code).toBe(statusTitles[entry.status] ?? "Error");
    }
  });

  it("is where a LeashError and a problem body take their status and title from", () => {
    const error = new LeashError("approval_not_pending", "decided already");
    expect(error.status).toBe(409);
    expect(problem("route_not_found", "no route GET /x")).toEqual({
      type: "urn:leash:problem:route_not_found",
      title: "Not Found",
      status: 404,
      detail: "no route GET /x",
      code: "route_not_found",
    });
    expect(problem("scopes_invalid", "bad").title).toBe("Error");
  });

  it("lets a refusal decided elsewhere keep its code under the status this hop answers", () => {
    const passed = new PassedOnError("token_revoked_elsewhere", 403, "refused");
    expect(passed).toBeInstanceOf(LeashError);
    expect([passed.code, passed.status]).toEqual(["token_revoked_elsewhere", 403]);
    expect(answeredProblem(401, "revoked", "no").title).toBe("Unauthorized");
    expect(titleFor(418)).toBe("Error");
  });

  it("knows its own codes only", () => {
    expect(isErrorCode("vault_sealed")).toBe(true);
    expect(isErrorCode("toString")).toBe(false);
    expect(isErrorCode("not_a_leash_code")).toBe(false);
  });

  it("agrees with every code-and-status table in the docs", () => {
    const files = ["README.md", ...readdirSync("docs").map((name) => `docs/${name}`)].filter((f) =>
      f.endsWith(".md"),
    );
    let rows = 0;
    for (const file of files) {
      for (const match of readFileSync(file, "utf8").matchAll(
        /^\| (`[a-z_]+`(?: \/ `[a-z_]+`)*) \| (\d{3}) \|/gm,
      )) {
        for (const code of match[1]!.matchAll(/`([a-z_]+)`/g)) {
          rows++;
          expect(isErrorCode(code[1]!), `${file}: ${code[1]}`).toBe(true);
          expect(errorCatalogue[code[1] as keyof typeof errorCatalogue].status, `${file}: ${code[1]}`).toBe(
            Number(match[2]),
          );
        }
      }
    }
    expect(rows).toBeGreaterThan(10);
  });
});
