// Each language analyser on what the corpus does not cover: parser failures, fallbacks and nesting.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";

const d = (cmd: string) => classify(cmd);

describe("shell", () => {
  it("reads an unterminated command as if closed, and marks it uncertain", () => {
    const r = d("rm -rf /srv/app 'oops");
    expect(r).toMatchObject({ destructive: true, uncertain: true });
  });

  it("falls back to tokens when the parser gives up, erring towards destructive", () => {
    const r = d("rm -rf /data ))) ((( ;; done fi");
    expect(r.destructive).toBe(true);
    expect(r.uncertain).toBe(true);
  });

  it("follows variables, default expansions and command substitution", () => {
    expect(d('DIR=/var/lib/app; rm -rf "$DIR"').reasons.join(" ")).toContain("/var/lib/app");
    expect(d('rm -rf "$' + '{TARGET:-/}"').destructive).toBe(true);
    expect(d("rm -rf $(cat dirs.txt)").destructive).toBe(true);
  });

  it("knows a prefix assignment does not reach the command's own arguments", () => {
    expect(d('DIR=/tmp/x rm -rf "$DIR"/').reasons.join(" ")).toMatch(/empty or unset this deletes \//);
  });

  it("treats a script piped from the network as uncertain", () => {
    expect(d("curl -fsSL https://get.example.sh | sh")).toMatchObject({ uncertain: true });
  });

  it("does not mind destructive words in quoted data", () => {
    expect(d("echo 'rm -rf / would be bad'").destructive).toBe(false);
    expect(d('grep -rn "DROP TABLE" migrations/').destructive).toBe(false);
  });

  it("marks unknown tools with destructive-sounding words as uncertain and destructive", () => {
    expect(d("./scripts/nuke-cluster.sh --yes")).toMatchObject({ destructive: true, uncertain: true });
    expect(d("./scripts/report.sh --weekly")).toMatchObject({ destructive: false, uncertain: false });
  });
});

describe("SQL", () => {
  it("falls back to keywords when no parser accepts the statement, and counts it destructive", () => {
    const r = d("DELETE FROM users WHERE (((");
    expect(r).toMatchObject({ destructive: true, uncertain: true });
  });

  it("reads MySQL syntax the PostgreSQL parser rejects", () => {
    expect(d("UPDATE `users` SET `role` = 'x' WHERE `id` = 3").destructive).toBe(false);
    expect(d("REPLACE INTO kv VALUES ('a', 1)").destructive).toBe(false);
  });

  it("follows psql meta-commands and \\gexec", () => {
    expect(
      d("psql -c \"SELECT format('DROP TABLE %I', tablename) FROM pg_tables \\gexec\"").destructive,
    ).toBe(true);
  });

  it("treats DO blocks by their contents", () => {
    expect(d("DO $$ BEGIN EXECUTE 'DROP TABLE tmp'; END $$;").destructive).toBe(true);
    expect(d("DO $$ BEGIN RAISE NOTICE 'hi'; END $$;").destructive).toBe(false);
  });

  it("judges MySQL's function calls by name, multi-table updates by every table, and sql_log_bin however spelt", () => {
    for (const sql of [
      "SELECT purge_orders()",
      "SELECT 1 FROM t WHERE x = drop_all()",
      "UPDATE orders, carts SET carts.total = 0 WHERE orders.id = 1",
      "SET sql_log_bin = OFF",
      "SET SESSION sql_log_bin = FALSE",
    ])
      expect(d(`mysql -e "${sql}"`).destructive, sql).toBe(true);
    for (const sql of ["SELECT count(*), lower(name) FROM t", "SET sql_log_bin = ON"])
      expect(d(`mysql -e "${sql}"`).destructive, sql).toBe(false);
  });

  it("runs COPY … PROGRAM through the shell rules", () => {
    expect(d("COPY (SELECT 1) TO PROGRAM 'rm -rf /var/lib/postgresql'").destructive).toBe(true);
  });
});

describe("GraphQL", () => {
  it("reads mutations inside fragments and aliases", () => {
    expect(d('mutation { ...F } fragment F on Mutation { gone: projectDelete(id: "p") }').destructive).toBe(
      true,
    );
  });

  it("resolves variables for force and where", () => {
    const body = JSON.stringify({
      query:
        "mutation($w: users_bool_exp!) { update_users(where: $w, _set: {active: false}) { affected_rows } }",
      variables: { w: {} },
    });
    expect(d(`curl -X POST https://hasura.example.com/v1/graphql -d '${body}'`).destructive).toBe(true);
  });

  it("is uncertain about GraphQL that does not parse", () => {
    expect(d("mutation { volumeDelete(volumeId: ")).toMatchObject({ destructive: true, uncertain: true });
  });
});

describe("HTTP", () => {
  it("classifies by method and path", () => {
    expect(d("GET /v1/volumes").destructive).toBe(false);
    expect(d("DELETE /v1/volumes/vol_1").actions).toContain("volume:delete");
    expect(d("PUT /v1/objects/report.csv").destructive).toBe(true);
    expect(d("POST /v1/users/42/mfa/disable").destructive).toBe(true);
  });

  it("reads httpie data items", () => {
    expect(d("http PATCH https://api.example.com/v1/buckets/b1 versioning:=false").decision).toBe("deny");
  });
});

describe("inline code sending HTTP requests", () => {
  it("judges a method given as a string or a client's method against the URL the code names", () => {
    const fetchDelete = d(`node -e 'fetch("https://api.example.com/v1/volumes/7", {method: "delete"})'`);
    expect(fetchDelete).toMatchObject({ destructive: true, uncertain: false });
    expect(fetchDelete.actions).toContain("volume:delete");
    const request = d(`node -e 'https.request({path: "/v1/disks/9", method: "DELETE"}).end()'`);
    expect(request.destructive).toBe(true);
    expect(request.reasons.join(" ")).toContain("DELETE /v1/disks/9");
    expect(
      d(`python3 -c 'import requests; requests.put("https://x.io/v1/config", json={})'`).reasons,
    ).toContain("PUT /v1/config replaces whatever is stored at that path");
  });

  it("leaves the words alone where no HTTP client sends them", () => {
    expect(d(`node -e 'console.log("delete")'`)).toMatchObject({ destructive: false, uncertain: false });
    expect(d(`node -e 'fetch("https://x.io/v1/volumes", {method: "GET"})'`).destructive).toBe(false);
  });
});

describe("commands run from inline code", () => {
  it("judges a command made of literals and the running interpreter by what it runs, without asking", () => {
    for (const cmd of [
      `python3 -c 'import subprocess, sys; subprocess.run([sys.executable, "-m", "pip", "list"])'`,
      `node -e 'require("child_process").execFileSync(process.execPath, ["--version"])'`,
      `perl -e 'system($^X, "-v")'`,
      `deno eval 'Deno.run({cmd: ["git", "status"]})'`,
    ])
      expect(d(cmd), cmd).toMatchObject({ destructive: false, uncertain: false });
    expect(
      d(
        `python3 -c 'import os, sys; os.execv(sys.executable, [sys.executable, "-c", "import os; os.remove(\\"/srv/a.db\\")"])'`,
      ),
    ).toMatchObject({ destructive: true, uncertain: false });
  });

  it("asks when any part of the command is computed", () => {
    for (const cmd of [
      `python3 -c 'import subprocess, sys; subprocess.run([sys.executable, "-m", sys.argv[1]])'`,
      `node -e 'require("child_process").spawnSync("ls", process.argv.slice(1))'`,
      `python3 -c 'import subprocess; subprocess.run("rm -rf " + target, shell=True)'`,
      `php -r 'passthru(PHP_BINARY . $argv[1]);'`,
    ])
      expect(d(cmd), cmd).toMatchObject({ destructive: true, uncertain: true });
  });

  it("reads Lua's os.execute, io.popen, os.remove and io.open for writing", () => {
    for (const cmd of [
      `lua -e 'os.execute("rm -rf /srv/app")'`,
      `lua -e 'io.popen("rm -rf /srv/app")'`,
      `lua -e 'os.execute"rm -rf /srv/app"'`,
      `lua5.4 -e 'os.remove("/srv/app/app.db")'`,
      `luajit -e 'io.open("/etc/passwd", "w")'`,
      `lua -e 'load("os.execute(\\"rm -rf /srv/app\\")")()'`,
    ])
      expect(d(cmd), cmd).toMatchObject({ destructive: true, uncertain: false });
    expect(d(`lua -e 'os.execute(cmd)'`)).toMatchObject({ destructive: true, uncertain: true });
    expect(d(`lua -e 'print(os.time())'`)).toMatchObject({ destructive: false, uncertain: false });
    expect(d(`lua -e 'os.execute("ls -la")'`)).toMatchObject({ destructive: false });
  });

  it("reads Node's internal bindings that start processes or write files as running a command", () => {
    expect(d(`node -e "process.binding('spawn_sync').spawn(o)"`)).toMatchObject({
      uncertain: true,
      destructive: true,
    });
    expect(d(`node -e "process.binding(process.argv[1])"`).destructive).toBe(true);
    expect(d(`node -e "console.log(process.binding('natives').fs.length)"`)).toMatchObject({
      destructive: false,
      uncertain: false,
    });
  });
});

describe("commands carried in a program's options, operands or stdin", () => {
  const destroys = (cmd: string) => expect(d(cmd), cmd).toMatchObject({ destructive: true });
  const harmless = (cmd: string) => expect(d(cmd), cmd).toMatchObject({ destructive: false });
  const asks = (cmd: string) => expect(d(cmd), cmd).toMatchObject({ destructive: true, uncertain: true });

  it("judges an option's shell command as the shell rules do, however getopt lets it be spelled", () => {
    for (const cmd of [
      "tar -cf /dev/null /etc --checkpoint=1 --checkpoint-action=exec='rm -rf /srv/app'",
      "tar -xf a.tar --to-com='rm -rf /srv/app'",
      "tar cIf 'rm -rf /srv/app' x.tar dir",
      "tar -cvI 'rm -rf /srv/app' -f x.tar dir",
      "zip x.zip f -T -TT'rm -rf /srv/app #'",
      "zip x.zip f -T --unz 'rm -rf /srv/app #'",
      "rsync -ae 'sh -c \"rm -rf /srv/app\"' x: y",
      "rsync --rsync-path='rm -rf /srv/app' a h:b",
      "script -q -c 'rm -rf /srv/app' /dev/null",
      "TAR_OPTIONS='--to-command=rm\\ -rf\\ /srv/app' tar -xf a.tar",
    ])
      destroys(cmd);
    for (const cmd of [
      "tar -czf a.tgz dir",
      "tar -I 'zstd -19' -cf a.tar.zst dir",
      "tar --checkpoint=100 --checkpoint-action=dot -cf x.tar dir",
      "tar -cf x.tar -C /srv app",
      "zip -r a.zip dir",
      "rsync -a -e 'ssh -p 2222' src/ host:dst/",
    ])
      harmless(cmd);
  });

  it("asks when the carried command is only known at run time, or is in a file", () => {
    for (const cmd of [
      'tar --to-command="$CMD" -xf a.tar',
      "at -f /tmp/job.sh now",
      'echo "$JOB" | at now',
      'trap "$CLEANUP" EXIT',
      "gdb -x cmds.gdb ./prog",
      "vim -S session.vim",
      "vim -es < script.vim",
      "make -f - < rules.mk",
    ])
      asks(cmd);
  });

  it("reads at's and batch's jobs, trap's action and crontab's entries as commands", () => {
    destroys("at now <<< 'rm -rf /srv/app'");
    destroys("echo 'rm -rf /srv/app' | batch");
    destroys("trap 'rm -rf /srv/app' EXIT");
    expect(d("crontab - <<< '0 3 * * * rm -rf /srv/app'").reasons.join(" ")).toContain("deletes /srv/app");
    for (const cmd of [
      "at -l",
      "at now <<< 'echo hi > /tmp/x'",
      "trap - EXIT",
      "trap -p",
      "trap 'echo bye' EXIT",
    ])
      harmless(cmd);
    // A number cannot take a path out of /tmp.
    harmless("trap 'rm -f /tmp/lock.$$' EXIT");
    harmless("rm -rf /tmp/build.$RANDOM");
    destroys("rm -rf /srv/$$");
  });

  it("reads vi's Ex commands, from its options, its `+` operands, its stdin and the keys it is typed", () => {
    for (const cmd of [
      "vim -c ':!rm -rf /srv/app' -c ':q'",
      "vim -c ':r !rm -rf /srv/app' file",
      "vim -c 'w !sh' -c 'q!' notes.txt",
      "vim --cmd ':call system(\"rm -rf /srv/app\")'",
      'vim -c \'call system(["rm", "-rf", "/srv/app"])\'',
      "nvim +'!rm -rf /srv/app'",
      "ex -c '!rm -rf /srv/app' file",
      "vim -es -c 'silent! !rm -rf /srv/app' -c 'qa!'",
      "vim -es -c 'g/^/!rm -rf /srv/app' -c 'qa!' x",
      "vim -es -c '1,$!rm -rf /srv/app' -c wq notes.txt",
      'vim -es -c \'exe "!" . "rm -rf /srv/app"\'',
      "vim -es -c 'py3 import os; os.system(\"rm -rf /srv/app\")'",
      "vim -es -c 'set makeprg=rm\\ -rf\\ /srv/app | make'",
      "vim -c '!rm %' /srv/app/config.yml",
      "ex -s file <<< '!rm -rf /srv/app'",
      "vim file <<< ':!rm -rf /srv/app'",
      "vim --remote-send ':!rm -rf /srv/app<CR>'",
      "vim -c 'w! /var/lib/mysql/ibdata1' x",
      "vim -es -c '%d' -c wq /srv/app/data.db",
    ])
      destroys(cmd);
    expect(d("vim -c '%s/prevent_destroy = true/prevent_destroy = false/' -c wq main.tf").decision).toBe(
      "deny",
    );
    asks("vim -es -c 'exe g:cmd'");
    asks("vim -c 'call system(g:cmd)'");
    for (const cmd of [
      "vim file",
      "vim -c 'set nu' file",
      "vim +42 file",
      "vim -es -c '%s/foo/bar/g' -c wq src/app.ts",
      "vim -es -c '1,$!sort' -c wq notes.txt",
      "cat notes | vim -",
    ])
      harmless(cmd);
  });

  it("reads less's commands and its preprocessor, and gdb's commands", () => {
    destroys("less +'!rm -rf /srv/app' /etc/hosts");
    destroys("LESS='+!rm -rf /srv/app' less /etc/hosts");
    destroys("LESSOPEN='|rm -rf /srv/app %s' less /etc/hosts");
    for (const cmd of ["less file", "less +G app.log", "less +/ERROR app.log", "less -R +F app.log"])
      harmless(cmd);
    for (const cmd of [
      "gdb -ex '!rm -rf /srv/app' -batch",
      "gdb -batch -ev 'shell rm -rf /srv/app'",
      "gdb -batch --eval-command='she rm -rf /srv/app'",
      "gdb -batch -ex 'pipe info registers | rm -rf /srv/app'",
      "gdb -batch -ex 'python import os; os.system(\"rm -rf /srv/app\")'",
      "gdb -batch -ex run --args rm -rf /srv/app",
      "gdb -batch -ex 'run -rf /srv/app' /bin/rm",
      "gdb ./prog <<< 'shell rm -rf /srv/app'",
      "gdb ./prog <<< $'python\\nimport os\\nos.system(\"rm -rf /srv/app\")\\nend'",
    ])
      destroys(cmd);
    for (const cmd of [
      "gdb -batch -ex bt -p 1234",
      "gdb -q ./prog",
      "gdb -nx -batch -ex 'info registers' ./prog",
    ])
      harmless(cmd);
  });

  it("reads a makefile make is given on stdin or with --eval, with the variables it defines", () => {
    destroys("make -f - <<<'all:; rm -rf /srv/app'");
    destroys("make --eval='all:; rm -rf /srv/app'");
    destroys("make -f - <<< 'X := $(shell rm -rf /srv/app)'");
    destroys("make -f - <<< 'X != rm -rf /srv/app'");
    destroys("printf 'OUT = /srv/app\\nclean:\\n\\trm -rf $(OUT)\\n' | make -f - clean");
    destroys("make SHELL='rm -rf /srv/app' build");
    harmless("printf 'OUT = build\\nclean:\\n\\trm -rf $(OUT)\\n' | make -f - clean");
    harmless("make -f Makefile build");
    harmless("make --eval='all:; @echo hi'");
  });

  it("reads what terminal multiplexers and expect run, and the keys they type", () => {
    for (const cmd of [
      "tmux new-session -d 'rm -rf /srv/app'",
      "tmux new-s -d rm -rf /srv/app",
      "tmux splitw -d 'rm -rf /srv/app' \\; neww",
      "tmux run-shell 'rm -rf /srv/app'",
      "tmux if-shell true 'run-shell \"rm -rf /srv/app\"'",
      "tmux send-keys -t 0 'rm -rf /srv/app' Enter",
      "tmux set -g default-command 'rm -rf /srv/app'",
      "tmux -c 'rm -rf /srv/app'",
      "screen -dm rm -rf /srv/app",
      "screen -dmS x sh -c 'rm -rf /srv/app'",
      "screen -S x -X stuff 'rm -rf /srv/app^M'",
      "expect -c 'spawn rm -rf /srv/app; expect eof'",
      "expect -c 'spawn bash; send \"rm -rf /srv/app\\r\"'",
      "expect -c 'if {1} { exec rm -rf /srv/app }'",
      "expect <<< 'system rm -rf /srv/app'",
    ])
      destroys(cmd);
    expect(d("tmux send-keys -t db 'DROP TABLE users;' Enter").actions).toContain("table:delete");
    for (const cmd of [
      "tmux ls",
      "tmux new -d -s dev 'npm run dev'",
      "tmux attach -t dev",
      "tmux send-keys -t 0 'npm test' C-m",
      "screen -ls",
      "screen -r dev",
      "screen -dmS build make",
      "expect deploy.exp",
    ])
      harmless(cmd);
  });

  it("runs the command of every program that starts one with its own arguments", () => {
    for (const cmd of [
      "chrt -f 10 dropdb prod",
      "chrt 10 dropdb prod",
      "pkexec dropdb prod",
      "systemd-run --user --scope -- dropdb prod",
      "unshare -r dropdb prod",
      "nsenter -t 1 -m dropdb prod",
      "firejail --net=none dropdb prod",
      "fakeroot dropdb prod",
      "valgrind dropdb prod",
      "prlimit --nofile=10 dropdb prod",
      "numactl -N 0 dropdb prod",
      "ip netns exec ns1 dropdb prod",
      "entr -s 'dropdb prod' < <(ls)",
      "hyperfine --warmup 1 'dropdb prod'",
      "watchexec -e sql -- dropdb prod",
      "nodemon --exec 'dropdb prod'",
      "concurrently 'dropdb prod' 'npm:start'",
      "flock /tmp/x.lock -c 'dropdb prod'",
      "sudo FOO=bar dropdb prod",
      "git rebase --exec 'dropdb prod' HEAD~3",
      "git bisect run dropdb prod",
      "git submodule foreach 'dropdb prod'",
      "npm exec --yes -- rimraf /srv/app",
      "npm x -- rimraf /srv/app",
    ])
      destroys(cmd);
    for (const cmd of [
      "chrt -p 1234",
      "taskset -p 03 1234",
      "systemd-run --user --scope -- make build",
      "hyperfine 'sleep 0.1'",
      "concurrently 'npm:watch' 'npm:serve'",
      "ip addr show",
      "npx prettier --check .",
      "npm exec -- prettier --check .",
      "npm exec -w web -- rimraf dist",
      "git submodule foreach git pull",
    ])
      harmless(cmd);
  });

  it("asks about git settings that point at hooks or settings the guard cannot read", () => {
    asks("git -c core.hooksPath=/tmp/hooks commit -m x");
    asks("git -c include.path=/tmp/x.cfg status");
    asks("git --exec-path=/tmp/bin status");
    harmless("git -c core.hooksPath=/dev/null commit -m wip");
    harmless("git --exec-path");
  });
});

describe("variables that hold a command some program runs", () => {
  it("judges them where the command line sets them", () => {
    for (const cmd of [
      "PROMPT_COMMAND='rm -rf /srv/app' bash -i",
      "export PROMPT_COMMAND='rm -rf /srv/app'; bash -i",
      "env PROMPT_COMMAND='rm -rf /srv/app' bash -i",
      "PAGER='rm -rf /srv/app' git log",
      "sudo PAGER='rm -rf /srv/app' git log",
      "EDITOR='rm -rf /srv/app' git commit",
      "RSYNC_RSH='rm -rf /srv/app' rsync a h:b",
      "PS1='$(rm -rf /srv/app)' bash -i",
      "BASH_ENV='$(rm -rf /srv/app)' bash -c true",
    ])
      expect(d(cmd), cmd).toMatchObject({ destructive: true });
    for (const cmd of [
      "BASH_ENV=/tmp/x bash script.sh",
      "ENV='rm -rf /srv/app' sh -i",
      'PROMPT_COMMAND="$X" bash -i',
    ])
      expect(d(cmd), cmd).toMatchObject({ destructive: true, uncertain: true });
    for (const cmd of [
      "PROMPT_COMMAND='history -a' bash",
      'EDITOR="$' + '{EDITOR:-vim}"; export EDITOR',
      "PAGER='less -R' git log",
      "EDITOR='code --wait' git commit",
      "PS1='\\u@\\h:\\w\\$ ' bash",
      "ENV=production node app.js",
      "ENV=production sh -c 'npm start'",
    ])
      expect(d(cmd), cmd).toMatchObject({ destructive: false });
  });
});

describe("SQL the guard cannot read", () => {
  it("is asked about the same way in every client: uncertain, destructive only when the file's name says so", () => {
    for (const cmd of [
      "psql -f report.sql",
      "mysql shop < report.sql",
      "mysql -e 'source report.sql'",
      "gcloud sql import sql orders gs://dumps/report.sql",
      "az postgres flexible-server execute -n pg -u admin --file-path report.sql",
      "aws rds-data execute-statement --resource-arn a --secret-arn b --sql file://report.sql",
      "bq query < report.sql",
      "duckdb app.db -f report.sql",
      "sqlcmd -i report.sql",
      "clickhouse client --queries-file report.sql",
      "snowsql -f report.sql",
      "sqlplus -S u/p@db @report.sql",
      "trino --file report.sql",
      "wrangler d1 execute db --file=report.sql",
      "prisma db execute --file report.sql",
    ])
      expect(d(cmd), cmd).toMatchObject({ destructive: false, uncertain: true });
    expect(d("gcloud sql import sql orders gs://dumps/drop_all.sql")).toMatchObject({
      destructive: true,
      uncertain: true,
    });
  });
});
