// Programs interpreters run that are not Python, JavaScript, Ruby, Perl, PHP or Lua: awk's command slots, PowerShell's
// cmdlets by name and alias, and the program any interpreter reads on stdin, judged as if given with -c or -e.
import { describe, expect, it } from "vitest";
import { classify } from "../../src/guard/classify.ts";
import { allowed, asks, judged } from "../helpers/code-verdicts.ts";

describe("awk", () => {
  it("judges every command slot: system(), getline's source, print's pipe, a shell fed by print", () => {
    for (const program of [
      `BEGIN { system("rm -rf /srv/app") }`,
      `BEGIN { c = "rm -rf /srv/app"; system(c) }`,
      `BEGIN { d = "/srv/app"; system("rm -rf " d) }`,
      `BEGIN { "rm -rf /srv/app" | getline }`,
      `BEGIN { cmd = "rm -rf /srv/app"; while ((cmd | getline line) > 0) print line }`,
      `BEGIN { cmd = "rm -rf /srv/app"; cmd |& getline }`,
      `BEGIN { print "x" | "rm -rf /srv/app" }`,
      `BEGIN { print "rm -rf /srv/app" | "sh" }`,
      `BEGIN { printf "rm -rf %s\\n", "/srv/app" | "/bin/bash" }`,
      `BEGIN { print ("rm -rf " "/srv/app") | "sh" }`,
    ])
      judged(`awk '${program}'`, "rm -r deletes /srv/app");
    judged(`awk -v c='rm -rf /srv/app' 'BEGIN { system(c) }'`, "rm -r deletes /srv/app");
    judged(`gawk -e 'BEGIN { system("rm -rf /srv/app") }'`, "rm -r deletes /srv/app");
    judged(`awk -f /dev/stdin <<< 'BEGIN { system("rm -rf /srv/app") }'`, "rm -r deletes /srv/app");
    judged(`awk 'BEGIN { print "" > "/srv/app/db.sqlite" }'`, "overwrites /srv/app/db.sqlite");
    judged(
      `gawk -i inplace '{ sub(/a/, "b") } 1' /srv/app/config.yml`,
      "rewrites /srv/app/config.yml in place",
    );
  });

  it("asks about a command made only of what the input decides", () => {
    for (const cmd of [
      `awk '{ system($0) }' cmds.txt`,
      `awk '{ print | "sh" }' cmds.txt`,
      `awk '{ $0 | getline }' cmds.txt`,
      `awk 'BEGIN { system(ENVIRON["CMD"]) }'`,
      `./gen | awk -f -`,
    ])
      asks(cmd);
  });

  it("leaves reading, sorting and scratch files alone", () => {
    for (const cmd of [
      `awk 'BEGIN { "date" | getline d; print d }'`,
      `awk '{ print $1 | "sort -u" }' access.log`,
      `awk '$3 > 100 { print $1 }' access.log`,
      `awk '{ if ($1 > 0) print $1; print ($2 > 5) }' access.log`,
      `awk '{ print > "/dev/stderr"; print $1 > "/tmp/out.txt" }' access.log`,
      `awk 'BEGIN { system("echo " ENVIRON["HOME"]) }'`,
    ])
      allowed(cmd);
  });
});

describe("PowerShell", () => {
  it("judges Remove-Item under each of its aliases and spellings as rm", () => {
    for (const script of [
      "Remove-Item -Recurse -Force /srv/app",
      "ri -r -fo /srv/app",
      "rm -r /srv/app",
      "del /srv/app",
      "erase /srv/app",
      "rd /srv/app -Recurse",
      "rmdir /srv/app",
      "Microsoft.PowerShell.Management\\Remove-Item -LiteralPath '/srv/app'",
      "& 'ri' /srv/app",
      "if (Test-Path /srv/app) { ri /srv/app -Recurse }",
      "iex 'ri -r /srv/app'",
      "[ScriptBlock]::Create('ri -r /srv/app').Invoke()",
    ])
      judged(`pwsh -NoProfile -Command "${script}"`, "Remove-Item deletes /srv/app");
    judged(`pwsh -c "gci /srv/app | ri"`, "Remove-Item deletes $input");
  });

  it("judges the other cmdlets that delete or overwrite, under their aliases", () => {
    judged(`pwsh -c "clc /srv/app/db.sqlite"`, "Clear-Content empties /srv/app/db.sqlite");
    judged(`pwsh -c "sc /srv/app/db.sqlite ''"`, "Set-Content overwrites /srv/app/db.sqlite");
    judged(`pwsh -c "Out-File /srv/app/db.sqlite -InputObject ''"`, "Out-File overwrites /srv/app/db.sqlite");
    judged(`pwsh -c "'' > /srv/app/db.sqlite"`, "overwrites /srv/app/db.sqlite");
    judged(`pwsh -c "cpi ./empty.db /srv/app/db.sqlite -Force"`, "cp onto /srv/app/db.sqlite");
    judged(`pwsh -c "Start-Process rm -ArgumentList '-rf','/srv/app'"`, "rm -r deletes /srv/app");
  });

  it("reads the script wherever pwsh takes it from", () => {
    const encoded = Buffer.from("ri -r /srv/app", "utf16le").toString("base64");
    for (const cmd of [
      `pwsh -EncodedCommand ${encoded}`,
      `pwsh -ExecutionPolicy Bypass -File x.ps1 < /dev/null; printf 'ri -r /srv/app' > x.ps1; pwsh -File x.ps1`,
      `pwsh <<< 'ri -r /srv/app'`,
      `echo 'ri -r /srv/app' | pwsh -Command -`,
      `pwsh -File - <<< 'ri -r /srv/app'`,
    ])
      judged(cmd, "Remove-Item deletes /srv/app");
  });

  it("asks about a command or script text only known at run time", () => {
    for (const script of ["iex $env:PAYLOAD", "& $cmd /srv/app", "[ScriptBlock]::Create($text).Invoke()"])
      asks(`pwsh -c '${script}'`);
  });

  it("allows what only reads, previews or writes scratch files", () => {
    for (const script of [
      "Get-ChildItem /tmp | Select-Object Name",
      "Copy-Item ./a.txt /tmp/b.txt",
      "Get-Date > ./now.txt",
      "iex 'Get-Date'",
      "Start-Process git -ArgumentList 'status'",
    ])
      allowed(`pwsh -c "${script}"`);
  });
});

describe("a program an interpreter reads on stdin", () => {
  const code: [string, string][] = [
    ["python3", "from os import remove as r; r('/srv/app/db.sqlite')"],
    ["node", "const {rmSync} = require('fs'); rmSync('/srv/app/db.sqlite')"],
    ["ruby", "FileUtils.send(:rm_rf, '/srv/app/db.sqlite')"],
    ["perl", "unlink '/srv/app/db.sqlite'"],
    ["php", "<?php array_map('unlink', ['/srv/app/db.sqlite']);"],
    ["lua", "os['remove']('/srv/app/db.sqlite')"],
    ["tclsh", "file delete -force /srv/app/db.sqlite"],
    ["Rscript", "file.remove('/srv/app/db.sqlite')"],
    ["julia", 'rm("/srv/app/db.sqlite")'],
  ];

  it("is judged as the same program given with -c or -e, however it gets there", () => {
    for (const [interpreter, program] of code) {
      const quoted = `'${program.replaceAll("'", "'\\''")}'`;
      for (const cmd of [
        `${interpreter} <<< ${quoted}`,
        `echo ${quoted} | ${interpreter}`,
        `${interpreter} <<'EOF'\n${program}\nEOF`,
        `printf '%s\\n' ${quoted} > /tmp/p; ${interpreter} < /tmp/p`,
      ])
        expect(classify(cmd), cmd).toMatchObject({ destructive: true });
    }
  });

  it("is allowed when the same program with -c or -e would be", () => {
    for (const [interpreter, program] of [
      ["python3", "print(1)"],
      ["tclsh", "puts [pwd]"],
      ["julia", 'println(readdir("/tmp"))'],
    ])
      allowed(`${interpreter} <<< '${program}'`);
  });
});
