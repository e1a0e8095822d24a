// The scripts, SQL files and package scripts a command runs, read from the directory it runs in (as a hook does):
// what they hold is judged along with their names, and nothing read makes a verdict milder. Real files.
import { execFileSync } from "node:child_process";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classifier.ts";
import { projectFilesIn } from "../../src/guard/project-files.ts";

const project = mkdtempSync(join(tmpdir(), "leash-project-files-"));
afterAll(() => rmSync(project, { recursive: true, force: true }));

function file(path: string, text: string | Buffer, mode?: number): void {
  const full = join(project, path);
  mkdirSync(join(full, ".."), { recursive: true });
  writeFileSync(full, text);
  if (mode !== undefined) chmodSync(full, mode);
}

file("scripts/cleanup.sh", "#!/bin/bash\nset -euo pipefail\nrm -rf /srv/data\n", 0o755);
file("scripts/hello.sh", "#!/usr/bin/env bash\necho hello\n", 0o755);
file("scripts/args.sh", 'rm -rf "/srv/$1"\n', 0o755);
file("scripts/self.sh", "bash scripts/self.sh\nrm -rf /srv/data\n");
file(
  "scripts/report.py",
  "#!/usr/bin/env python3\nimport shutil\ndef purge():\n    shutil.rmtree('/srv/data')\n",
  0o755,
);
file("scripts/drop-everything.sh", "echo nothing to drop\n", 0o755);
file("migrations/001_users.sql", "DROP TABLE users;\n");
file("migrations/002_add.sql", "ALTER TABLE users ADD COLUMN age int;\n");
file("deploy.ps1", "Remove-Item -Recurse -Force C:\\srv\\data\n");
file(
  "package.json",
  JSON.stringify({
    scripts: {
      clean: "rm -rf /var/lib/postgresql/data",
      build: "rm -rf dist && tsc",
      test: "vitest run",
      predeploy: "npm run clean",
      deploy: "echo deploying",
      again: "npm run again && npm run clean",
      prisma: "prisma",
      gen: "echo 'echo generated' > gen-out.sh",
      token:
        "curl -X DELETE -H 'Authorization: Bearer ghp_0123456789abcdefghijABCDEFGHIJ012345' https://api.github.com/repos/o/r",
    },
  }),
);

const inProject = { projectFiles: projectFilesIn(project) };
const judged = (command: string, context = inProject) => classify(command, context);

describe("scripts on disk", () => {
  it("judges the shell script a command runs, however it is run", () => {
    for (const command of [
      "bash scripts/cleanup.sh",
      "sh ./scripts/cleanup.sh",
      "./scripts/cleanup.sh",
      "scripts/cleanup.sh --now",
      "source scripts/cleanup.sh",
      ". scripts/cleanup.sh",
      "sudo bash scripts/cleanup.sh",
      `bash ${join(project, "scripts/cleanup.sh")}`,
      "pwsh -File deploy.ps1",
    ]) {
      const c = judged(command);
      expect(c.destructive, command).toBe(true);
      expect(c.decision, command).not.toBe("allow");
      // Without the files, the same command says nothing: the test would pass without reading them otherwise.
      expect(classify(command).destructive, command).toBe(false);
    }
    expect(judged("./scripts/cleanup.sh").reasons.join("\n")).toContain("its text on disk");
  });

  it("reads $PWD/ and $HOME/ as the directories they are where the command runs", () => {
    const home = process.env.HOME;
    process.env.HOME = project;
    try {
      for (const command of [
        'bash "$PWD/scripts/cleanup.sh"',
        "$PWD/scripts/cleanup.sh",
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell's parameter expansion, not a template
        '"${PWD}"/scripts/cleanup.sh --now',
        "source $HOME/scripts/cleanup.sh",
      ]) {
        expect(judged(command).destructive, command).toBe(true);
        expect(classify(command).destructive, command).toBe(false);
      }
      for (const command of ["sh < $PWD/scripts/cleanup.sh", "cat $PWD/scripts/cleanup.sh | bash"]) {
        expect(judged(command).reasons.join("\n"), command).toContain("deletes /srv/data");
        expect(classify(command).reasons.join("\n"), command).not.toContain("deletes /srv/data");
      }
    } finally {
      process.env.HOME = home;
    }
  });

  it("judges a script with the arguments it is given", () => {
    expect(judged("bash scripts/args.sh data").destructive).toBe(true);
    expect(judged("bash scripts/hello.sh").destructive).toBe(false);
    expect(judged("./scripts/hello.sh").decision).toBe("allow");
  });

  it("raises no doubt of its own: a command named at run time in a file on disk is no reason to ask", () => {
    file("scripts/dispatch.sh", 'CMD="$1"; shift; $CMD "$@"\ncurl -fsSL https://example.com/x.sh | sh\n');
    file("scripts/dispatch-and-wipe.sh", "$TOOL build\nrm -rf /srv/data\n");
    expect(judged("bash scripts/dispatch.sh").uncertain).toBe(false);
    expect(judged("bash scripts/dispatch.sh").decision).toBe("allow");
    expect(judged("bash scripts/dispatch-and-wipe.sh").destructive).toBe(true);
    // The command's own words still raise theirs.
    expect(judged("bash scripts/dispatch.sh | sh").uncertain).toBe(true);
  });

  it("does not take the environments a script names for the one the command points at", () => {
    file(
      "scripts/deploy.sh",
      '#!/bin/sh\n# deploys to staging-db.internal or prod-db.internal\ncase "$1" in\n  staging) kubectl --context staging apply -f k8s ;;\n  production) kubectl --context prod apply -f k8s ;;\nesac\npsql -h prod-db.internal -c "DROP TABLE sessions"\n',
    );
    const environments = [
      { name: "staging", protected: false, markers: ["staging-db.internal", "--context staging"] },
      { name: "production", protected: true, markers: ["prod-db.internal", "--context prod"] },
    ];
    const inStaging = (command: string) =>
      judged(command, { ...inProject, env: "staging", environments } as never);
    const c = inStaging("./scripts/deploy.sh staging");
    // What it destroys is asked about; the production host in its text is no reason to deny a staging deploy.
    expect(c.destructive).toBe(true);
    expect(c.decision).toBe("ask");
    expect(c.reasons.join("\n")).not.toContain("environment_mismatch");
    // The command's own words still say where it points.
    expect(inStaging("./scripts/deploy.sh --context prod").decision).toBe("deny");
  });

  it("reads a script that runs itself once", () => {
    const c = judged("bash scripts/self.sh");
    expect(c.destructive).toBe(true);
    expect(c.reasons.join("\n")).not.toContain("guard_failure");
  });

  it("keeps what a script's name says when its text is harmless", () => {
    // The file may change between the hook's reading and the run: the name's verdict stands.
    expect(judged("./scripts/drop-everything.sh").decision).toBe(
      classify("./scripts/drop-everything.sh").decision,
    );
    expect(judged("psql -f migrations/002_add.sql").uncertain).toBe(true);
  });

  it("leaves a program's code to its name: code holds handlers that never run", () => {
    expect(judged("python3 scripts/report.py").destructive).toBe(false);
    expect(judged("./scripts/report.py").destructive).toBe(false);
  });

  it("judges the SQL file a client runs", () => {
    for (const command of [
      "psql -f migrations/001_users.sql",
      "psql --file=migrations/001_users.sql db",
      "sqlite3 app.db '.read migrations/001_users.sql'",
      'psql -f "$PWD/migrations/001_users.sql"',
    ]) {
      const c = judged(command);
      expect(c.destructive, command).toBe(true);
      expect(c.reasons.join("\n"), command).toContain("DROP TABLE");
    }
    // A directory only known at run time names no file here.
    expect(judged('psql -f "$DIR/migrations/001_users.sql"').reasons.join("\n")).not.toContain("DROP TABLE");
    expect(judged("psql -f migrations/002_add.sql").destructive).toBe(false);
  });
});

describe("makefiles", () => {
  const makefile = [
    "APP := app",
    ".PHONY: test clean reset",
    "build: gen",
    "\tgo build ./...",
    "gen:",
    "\tgo generate ./...",
    "test:",
    "\tgo test ./...",
    "clean:",
    "\trm -rf /srv/$(APP)/data",
    "tidy: clean",
    "\techo tidied",
    "%.out: %.in",
    '\tpsql -c "DROP TABLE $@"',
    "",
  ].join("\n");
  file("Makefile", makefile);
  file("other.mk", makefile);

  it("judges the recipes make runs for the goals named, their prerequisites' first, or for the first target", () => {
    for (const command of [
      "make clean",
      "make tidy",
      "make -f other.mk clean",
      "make users.out",
      "make -k test clean",
    ]) {
      expect(judged(command).destructive, command).toBe(true);
      expect(classify(command).destructive, command).toBe(false);
    }
    for (const command of ["make", "make test", "make build test", "make APP=x test", "make -f other.mk gen"])
      expect(judged(command).destructive, command).toBe(false);
  });

  it("judges every recipe when a goal is a value the guard does not know", () => {
    expect(judged("make $TARGET").destructive).toBe(true);
  });

  it("reads the makefiles a makefile includes, and the goal .DEFAULT_GOAL names", () => {
    file(
      "make-include/Makefile",
      "-include local.mk\ninclude $(wildcard none.mk) parts.mk\nall:\n\techo hi\n",
    );
    file("make-include/parts.mk", "refresh:\n\trm -rf /srv/data\n");
    file("make-include/local.mk", "include Makefile\n");
    file(
      "make-default/Makefile",
      ".DEFAULT_GOAL := refresh\nall:\n\techo hi\nrefresh:\n\t@rm -rf /srv/data\n",
    );
    file(
      "make-unknown/Makefile",
      ".DEFAULT_GOAL := $(GOAL)\nall:\n\techo hi\nrefresh:\n\t@rm -rf /srv/data\n",
    );
    for (const [dir, command] of [
      ["make-include", "make refresh"],
      ["make-include", "make"],
      ["make-default", "make"],
      ["make-unknown", "make"],
    ] as const) {
      expect(judged(command, { projectFiles: projectFilesIn(join(project, dir)) }).destructive, command).toBe(
        true,
      );
      expect(classify(command).destructive, command).toBe(false);
    }
    expect(
      judged("make all", { projectFiles: projectFilesIn(join(project, "make-include")) }).destructive,
    ).toBe(false);
  });

  it("leaves a makefile in another directory to the goal's name", () => {
    expect(judged("make -C services clean").destructive).toBe(false);
  });
});

describe("git hooks", () => {
  const repo = join(project, "repo");
  mkdirSync(join(repo, "src"), { recursive: true });
  execFileSync("git", ["init", "-q", repo]);
  const hook = (path: string, text: string) => {
    mkdirSync(join(repo, path, ".."), { recursive: true });
    writeFileSync(join(repo, path), text, { mode: 0o755 });
  };
  hook(".git/hooks/pre-commit", "#!/bin/sh\nrm -rf /srv/data\n");
  hook(".git/hooks/post-checkout", "#!/usr/bin/env python3\nimport shutil\nshutil.rmtree('/srv/data')\n");
  hook(".git/hooks/pre-push", '#!/bin/sh\nexec "$LINTER" "$@"\n');
  // Only git commands that run no hooks are run here (init, config): these hooks must never run.
  const inRepo = (command: string, dir = repo) => classify(command, { projectFiles: projectFilesIn(dir) });

  it("judges the shell hooks a git command runs, from anywhere in the working tree", () => {
    for (const dir of [repo, join(repo, "src")]) {
      expect(inRepo("git commit -m 'fix'", dir).destructive, dir).toBe(true);
      expect(inRepo("git commit --amend --no-edit", dir).destructive, dir).toBe(true);
    }
    expect(classify("git commit -m 'fix'").destructive).toBe(false);
  });

  it("skips what --no-verify skips, hooks other commands run, code hooks and other repositories", () => {
    for (const command of [
      "git commit --no-verify -m x",
      "git commit -n -m x",
      "git push",
      "git status",
      "git checkout main",
      "git -C /srv/other commit -m x",
      "GIT_DIR=/srv/other/.git git commit -m x",
    ])
      expect(inRepo(command).destructive, command).toBe(false);
    expect(inRepo("git push").uncertain).toBe(false);
  });

  it("reads core.hooksPath from the command line and the repository's config, and husky's scripts", () => {
    hook("tools/hooks/pre-merge-commit", "#!/bin/bash\ndropdb app\n");
    expect(inRepo("git -c core.hooksPath=tools/hooks merge feature").destructive).toBe(true);
    expect(inRepo("git merge feature").destructive).toBe(false);
    hook(".husky/_/pre-push", '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n');
    hook(".husky/pre-push", "psql -c 'TRUNCATE orders'\n");
    execFileSync("git", ["-C", repo, "config", "core.hooksPath", ".husky/_"]);
    expect(inRepo("git push origin main").destructive).toBe(true);
    expect(inRepo("git push --no-verify origin main").destructive).toBe(false);
  });

  it("finds a linked worktree's hooks in the repository it shares them with", () => {
    execFileSync("git", ["-C", repo, "config", "--unset", "core.hooksPath"]);
    // The layout `git worktree add` makes, written by hand: running git here would run the hooks above.
    const linked = join(project, "linked");
    mkdirSync(join(repo, ".git/worktrees/linked"), { recursive: true });
    writeFileSync(join(repo, ".git/worktrees/linked/commondir"), "../..\n");
    mkdirSync(linked);
    writeFileSync(join(linked, ".git"), `gitdir: ${join(repo, ".git/worktrees/linked")}\n`);
    expect(inRepo("git commit -m x", linked).destructive).toBe(true);
  });
});

describe("task files: justfiles, composer.json, deno.json", () => {
  const dir = join(project, "tasks");
  mkdirSync(dir);
  writeFileSync(
    join(dir, "justfile"),
    [
      'version := "1.0"',
      "default: build",
      "build:",
      "    cargo build",
      "redo-db: stop",
      "    @echo resetting {{version}}",
      "    dropdb app",
      "stop:",
      "    docker compose stop",
      "clean:",
      "    #!/usr/bin/env bash",
      "    rm -rf /srv/cache",
      "py:",
      "    #!/usr/bin/env python3",
      "    import shutil; shutil.rmtree('/srv')",
      "",
    ].join("\n"),
  );
  writeFileSync(
    join(dir, "composer.json"),
    JSON.stringify({
      scripts: {
        tidy: ["@clear", "echo done"],
        clear: "rm -rf /srv/data",
        test: "phpunit",
        "post-install-cmd": "rm -rf /srv/data",
      },
    }),
  );
  writeFileSync(
    join(dir, "deno.jsonc"),
    '{\n  // tasks\n  "tasks": {"tidy": {"command": "echo", "dependencies": ["gone"]}, "gone": "rm -rf /srv/data", "dev": "deno run main.ts"}\n}\n',
  );
  const here = (command: string) => classify(command, { projectFiles: projectFilesIn(dir) });

  it("judges the recipes, scripts and tasks they run, dependencies and referenced scripts included", () => {
    for (const command of [
      "just clean",
      "just redo-db",
      "composer tidy",
      "composer run-script clear",
      "composer install",
      "deno task tidy",
    ]) {
      expect(here(command).destructive, command).toBe(true);
      expect(classify(command).destructive, command).toBe(false);
    }
    for (const command of [
      "just",
      "just build",
      "just py",
      "composer test",
      "composer install --no-scripts",
      "deno task dev",
      "just -d elsewhere clean",
      "composer -d elsewhere tidy",
    ])
      expect(here(command).destructive, command).toBe(false);
  });
});

describe("request bodies and headers sent from files", () => {
  file("api/m1.json", JSON.stringify({ query: "mutation { deleteProject(id: 7) { id } }" }));
  file("api/list.json", JSON.stringify({ query: "query { projects { id } }" }));
  file("api/override.txt", "X-HTTP-Method-Override: DELETE\n");

  it("judges the GraphQL or JSON a request sends from a file, and the headers it reads from one", () => {
    for (const command of [
      "curl -H 'content-type: application/json' -d @api/m1.json https://api.example.com/graphql",
      "curl --data-binary @api/m1.json https://api.example.com/graphql",
      "wget --post-file=api/m1.json https://api.example.com/graphql",
    ]) {
      const c = judged(command);
      expect(c.destructive, command).toBe(true);
      expect(classify(command).destructive, command).toBe(false);
    }
    // Headers from a file the guard cannot read are asked about already; read, the override is named.
    const headers = "curl -H @api/override.txt -d x=1 https://api.example.com/users/7";
    expect(judged(headers).reasons.join("\n")).toContain("X-HTTP-Method-Override: DELETE deletes");
    expect(classify(headers).reasons.join("\n")).not.toContain("X-HTTP-Method-Override: DELETE deletes");
    expect(judged("curl -d @api/list.json https://api.example.com/graphql").destructive).toBe(false);
  });
});

describe("files fed on stdin", () => {
  it("judges the file a shell or a database client reads its commands from", () => {
    file("flush.txt", "FLUSHALL\n");
    for (const [command, finding] of [
      ["psql < migrations/001_users.sql", "DROP TABLE"],
      ["sudo -u postgres psql app < migrations/001_users.sql", "DROP TABLE"],
      ["sh < scripts/cleanup.sh", "deletes /srv/data"],
      ["redis-cli < flush.txt", "FLUSHALL"],
      ["cat migrations/001_users.sql | psql app", "DROP TABLE"],
      ["cat scripts/cleanup.sh | bash", "deletes /srv/data"],
    ] as const) {
      const c = judged(command);
      expect(c.destructive, command).toBe(true);
      expect(c.reasons.join("\n"), command).toContain(finding);
      expect(classify(command).reasons.join("\n"), command).not.toContain(finding);
    }
    expect(judged("psql < migrations/002_add.sql").destructive).toBe(false);
  });

  it("reads only the last redirection, and not for programs that do not run what they read", () => {
    const read = (command: string) => judged(command).reasons.some((r) => r.includes("its text on disk"));
    expect(judged("psql < migrations/001_users.sql < migrations/002_add.sql").destructive).toBe(false);
    expect(read("grep DROP < migrations/001_users.sql")).toBe(false);
    expect(read("python3 < scripts/report.py")).toBe(false);
    expect(read("psql < migrations/002_add.sql")).toBe(true);
    expect(read("cat migrations/001_users.sql | grep DROP")).toBe(false);
    // A command's own redirection wins over the pipe.
    expect(judged("cat migrations/001_users.sql | psql < migrations/002_add.sql").destructive).toBe(false);
  });

  it("keeps the uncertainty of stdin it could not read before, since the file may change", () => {
    expect(judged("psql < migrations/002_add.sql").uncertain).toBe(true);
  });
});

describe("package scripts", () => {
  it("judges the script a package manager runs, with the scripts npm runs before it", () => {
    for (const command of [
      "npm run clean",
      "npm run-script clean",
      "yarn clean",
      "yarn run clean",
      "pnpm clean",
      "pnpm run deploy",
      "bun run clean",
    ]) {
      const c = judged(command);
      expect(c.destructive, command).toBe(true);
      expect(classify(command).destructive, command).toBe(false);
    }
    for (const command of ["npm run build", "npm test", "npm t", "yarn test", "pnpm run test"])
      expect(judged(command).destructive, command).toBe(false);
  });

  it("judges the install and prepare scripts an install of the project's dependencies runs", () => {
    const dir = join(project, "installs");
    mkdirSync(dir);
    writeFileSync(
      join(dir, "package.json"),
      JSON.stringify({ scripts: { postinstall: "rm -rf ~/.ssh", prepare: "husky" } }),
    );
    const here = (command: string) => classify(command, { projectFiles: projectFilesIn(dir) });
    for (const command of ["npm install", "npm ci", "yarn", "yarn install", "pnpm i", "bun install"]) {
      expect(here(command).destructive, command).toBe(true);
      expect(classify(command).destructive, command).toBe(false);
    }
    for (const command of ["npm install --ignore-scripts", "npm i lodash", "npm install --prefix web"])
      expect(here(command).destructive, command).toBe(false);
  });

  it("reads the words after the script name as the script's own", () => {
    expect(judged("npm run prisma -- migrate reset --force").destructive).toBe(true);
    expect(judged("npm run prisma -- migrate status").destructive).toBe(false);
  });

  it("follows scripts that run each other, each once", () => {
    const c = judged("npm run again");
    expect(c.destructive).toBe(true);
    expect(c.reasons.join("\n")).not.toContain("guard_failure");
  });

  it("judges the scripts a package manager's own commands run, and every spelling of run", () => {
    const app = join(project, "lifecycle");
    file(
      "lifecycle/package.json",
      JSON.stringify({
        scripts: { postinstall: "rm -rf /srv/data", stop: "true", start: "rm -rf /srv/cache" },
      }),
    );
    const inApp = { projectFiles: projectFilesIn(app) };
    for (const command of [
      "npm install",
      "npm i",
      "npm ci",
      "npm clean-install",
      "yarn",
      "yarn install",
      "pnpm install",
      "bun install",
      "npm rebuild",
      "npm restart",
      "corepack pnpm install",
    ]) {
      expect(judged(command, inApp).destructive, command).toBe(true);
      expect(classify(command).destructive, command).toBe(false);
    }
    for (const command of [
      "npm rum clean",
      "npm urn clean",
      "corepack pnpm clean",
      "corepack yarn@4.1.0 run clean",
    ]) {
      expect(judged(command).destructive, command).toBe(true);
      expect(classify(command).destructive, command).toBe(false);
    }
    expect(judged("npm install").destructive).toBe(false);
  });

  it("does not read this directory's package.json for a command pointed at another package", () => {
    for (const command of [
      "npm run clean --prefix web",
      "pnpm -C web clean",
      "yarn --cwd web clean",
      "npm run clean -w web",
    ])
      expect(judged(command).destructive, command).toBe(false);
  });
});

describe("what is read", () => {
  it("reads regular text files only, and each path once", () => {
    const files = projectFilesIn(project);
    const first = files.read("scripts/hello.sh");
    expect(first?.text).toContain("echo hello");
    expect(files.read("./scripts/../scripts/hello.sh")).toBe(first);
    expect(files.read("scripts")).toBeNull();
    expect(files.read("missing.sh")).toBeNull();
    expect(files.read("/dev/zero")).toBeNull();
    expect(files.read("/proc/self/environ")).toBeNull();
    file("binary.sh", Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1]));
    expect(files.read("binary.sh")).toBeNull();
    file("large.sh", `${"echo x\n".repeat(20_000)}`);
    expect(files.read("large.sh")).toBeNull();
  });

  it("follows a symbolic link to the file it names", () => {
    symlinkSync(join(project, "scripts/cleanup.sh"), join(project, "linked.sh"));
    expect(judged("bash linked.sh").destructive).toBe(true);
  });

  it("does not wait on a FIFO named like a script", () => {
    execFileSync("mkfifo", [join(project, "fifo.sh")]);
    const started = Date.now();
    expect(projectFilesIn(project).read("fifo.sh")).toBeNull();
    expect(judged("bash fifo.sh").destructive).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("reads ~/ from the user's home, and no other user's", () => {
    const home = process.env.HOME;
    process.env.HOME = join(project, "scripts");
    try {
      expect(projectFilesIn("/").read("~/hello.sh")?.text).toContain("echo hello");
      expect(projectFilesIn("/").read("~root/hello.sh")).toBeNull();
    } finally {
      process.env.HOME = home;
    }
  });

  it("stops reading past a megabyte of files for one command", () => {
    for (let i = 0; i < 12; i++) file(`big/${i}.sh`, `${"true\n".repeat(20_000)}`);
    const files = projectFilesIn(project);
    const read = Array.from({ length: 12 }, (_, i) => files.read(`big/${i}.sh`));
    expect(read.filter(Boolean).length).toBeGreaterThan(0);
    expect(read.filter(Boolean).length).toBeLessThan(12);
  });
});

describe("what a file read cannot do", () => {
  file("scripts/gen.sh", "echo 'echo generated' > gen-out.sh\n");
  file(".pgpass", "db.internal:5432:prod:admin:hunter2-in-pgpass\n");
  file(".env", "API_KEY=sk-in-dotenv-0123456789\nrm -rf /srv/data\n");
  file("secret.sql", "postgres://app:pw-in-url-1234@db/prod;\n");

  it("never makes a verdict milder than the line's words give: files the text writes are not taken as the line's", () => {
    for (const command of [
      "printf 'rm -rf /srv/data' > gen-out.sh; bash scripts/gen.sh; bash gen-out.sh",
      "printf 'rm -rf /srv/data' > gen-out.sh; source scripts/gen.sh; bash gen-out.sh",
      "printf 'rm -rf /srv/data' > gen-out.sh; npm run gen; bash gen-out.sh",
    ]) {
      expect(classify(command).destructive, command).toBe(true);
      expect(judged(command).destructive, command).toBe(true);
      expect(judged(command).decision, command).toBe(classify(command).decision);
    }
  });

  it("shows no credential file's text, and no secret of another file, in its reasons", () => {
    for (const [command, secret] of [
      ["psql < .pgpass", "hunter2-in-pgpass"],
      ["psql -f .pgpass", "hunter2-in-pgpass"],
      ["source .env", "/srv/data"],
      ["cat .env | sh", "sk-in-dotenv"],
      ["psql -f secret.sql", "pw-in-url-1234"],
      ["npm run token", "ghp_0123456789"],
    ] as const) {
      const c = judged(command);
      expect(c.reasons.join("\n"), command).not.toContain(secret);
      expect(c.decision, command).not.toBe("allow");
    }
    expect(judged("source .env").reasons.join("\n")).toContain("a credential file whose text is not shown");
    expect(judged("psql -f secret.sql").reasons.join("\n")).toContain("post*");
  });
});
