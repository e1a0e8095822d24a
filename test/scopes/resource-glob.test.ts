import { describe, expect, it } from "vitest";
import { globContainedInAny, globContains, matchesResource } from "../../src/scopes/resource-glob.ts";

const STAGING = ["railway:prj_demo/env/staging/**", "postgres://staging-db.internal/**"];

describe("matchesResource", () => {
  it("matches resources of the environment, through ':' and '//'", () => {
    expect(matchesResource(STAGING, "railway:prj_demo/env/staging/volume/vol_1")).toBe(true);
    expect(matchesResource(STAGING, "postgres://staging-db.internal/app/users")).toBe(true);
    expect(matchesResource(STAGING, "railway:prj_demo/env/staging/.config/x")).toBe(true);
  });

  it("a staging glob does not match a production resource", () => {
    expect(matchesResource(STAGING, "railway:prj_demo/env/production/volume/vol_1")).toBe(false);
    expect(matchesResource(STAGING, "postgres://prod-db.internal/app")).toBe(false);
    expect(matchesResource(STAGING, "railway:prj_demo/env/staging-evil/volume/vol_1")).toBe(false);
  });

  it("'*' stays in one segment, '**' spans segments", () => {
    expect(matchesResource(["railway:p/env/staging/volume/*"], "railway:p/env/staging/volume/vol_1")).toBe(
      true,
    );
    expect(
      matchesResource(["railway:p/env/staging/volume/*"], "railway:p/env/staging/volume/vol_1/files"),
    ).toBe(false);
    expect(matchesResource(["railway:p/env/staging/**"], "railway:p/env/staging/volume/vol_1/files")).toBe(
      true,
    );
    expect(matchesResource(["railway:p/env/*/volume/*"], "railway:p/env/production/volume/v")).toBe(true);
  });

  it("does not let '..' or '.' segments climb out of a glob", () => {
    expect(matchesResource(STAGING, "railway:prj_demo/env/staging/../production/volume/v")).toBe(false);
    expect(matchesResource(STAGING, "railway:prj_demo/env/staging/./volume/v")).toBe(false);
  });

  it("a glob starting with '!' is a literal, never 'everything but'", () => {
    expect(matchesResource(["!railway:p/env/staging/**"], "railway:p/env/production/volume/v")).toBe(false);
  });

  it("is case-sensitive, needs an exact scheme, and matches nothing with no globs or an empty resource", () => {
    expect(matchesResource(STAGING, "POSTGRES://staging-db.internal/app")).toBe(false);
    expect(matchesResource(STAGING, "postgres:/staging-db.internal/app")).toBe(false);
    expect(matchesResource([], "railway:prj_demo/env/staging/volume/v")).toBe(false);
    expect(matchesResource(["**"], "")).toBe(false);
  });
});

describe("globContains", () => {
  it("a narrower glob is inside a wider one", () => {
    expect(globContains("railway:prj_demo/env/staging/**", "railway:prj_demo/env/staging/volume/*")).toBe(
      true,
    );
    expect(globContains("railway:prj_demo/env/staging/**", "railway:prj_demo/env/staging/**")).toBe(true);
    expect(globContains("postgres://prod-db.internal/**", "postgres://prod-db.internal/app/**")).toBe(true);
    expect(globContains("railway:p/env/staging/*", "railway:p/env/staging/vol-*")).toBe(true);
  });

  it("a wider or different glob is not inside", () => {
    expect(globContains("railway:prj_demo/env/staging/**", "railway:prj_demo/env/production/**")).toBe(false);
    expect(globContains("railway:prj_demo/env/staging/**", "railway:prj_demo/env/*/volume/*")).toBe(false);
    expect(globContains("railway:prj_demo/env/staging/**", "railway:prj_demo/env/staging*")).toBe(false);
    expect(
      globContains("railway:prj_demo/env/staging/**", "railway:prj_demo/env/staging/../production/**"),
    ).toBe(false);
  });

  it("'**' inside is not covered by a single '*' outside", () => {
    expect(globContains("railway:p/env/staging/*", "railway:p/env/staging/**")).toBe(false);
    expect(globContains("railway:p/env/staging/*/*", "railway:p/env/staging/volume/**")).toBe(false);
  });

  it("globContainedInAny checks every outer glob", () => {
    expect(globContainedInAny(STAGING, "postgres://staging-db.internal/app")).toBe(true);
    expect(globContainedInAny(STAGING, "postgres://prod-db.internal/app")).toBe(false);
  });
});
