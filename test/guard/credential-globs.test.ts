// A search's glob that picks credential files out of a folder, read as ripgrep reads globs.
import { expect, it } from "vitest";
import { credentialFilesPicked } from "../../src/guard/credential-globs.ts";

it.each([
  [".env*", [".env", ".env.local", ".env.production"]],
  ["*.env", [".env", "prod.env"]],
  ["**/.env", [".env"]],
  ["{.env,.npmrc}", [".env", ".npmrc"]],
  [".aws/credentials", [".aws/credentials"]],
  ["credentials", [".aws/credentials"]],
  ["id_*", [".ssh/id_rsa", ".ssh/id_ed25519"]],
])("%s picks credential files", (glob, picked) => {
  expect(credentialFilesPicked(glob)).toEqual(picked);
});

it.each(["*", "**", "**/*.ts", "*.{ts,tsx}", "src/**/*.js", "*.md", "[", "{a,b"])(
  "%s is not aimed at them",
  (glob) => {
    expect(credentialFilesPicked(glob)).toEqual([]);
  },
);
