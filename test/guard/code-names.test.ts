// Inline code that reaches a destructive function by another name than its qualified one: a literal name is resolved
// and the real call judged; a name computed at run time, or a function taken as a value, asks.
import { describe, it } from "vitest";
import { allowed, asks, judged } from "../helpers/code-verdicts.ts";

describe("a function the code names by a literal, under any spelling", () => {
  it("is judged in Python as the qualified call, with what it deletes", () => {
    for (const code of [
      "from shutil import rmtree; rmtree('/srv/app')",
      "from shutil import rmtree as nuke; nuke('/srv/app')",
      "from shutil import (copy,\n    rmtree as r); r('/srv/app')",
      "import shutil as s; s.rmtree('/srv/app')",
      "s = __import__('shutil'); s.rmtree('/srv/app')",
      "__import__('shu' + 'til').rmtree('/srv/app')",
      "import importlib; importlib.import_module('shutil').rmtree('/srv/app')",
      "import shutil, sys; sys.modules['shutil'].rmtree('/srv/app')",
      "import shutil; getattr(shutil, 'rmtree')('/srv/app')",
      "import shutil; f = getattr(shutil, 'rm' 'tree'); f('/srv/app')",
      "from shutil import *; rmtree('/srv/app')",
    ])
      judged(`python3 -c "${code}"`, "/srv/app");
    for (const code of [
      "import os; os.__dict__['remove']('/srv/app/db.sqlite')",
      "import os; vars(os).get('remove')('/srv/app/db.sqlite')",
      "import os; os.__getattribute__('unlink')('/srv/app/db.sqlite')",
      "import os, operator; operator.attrgetter('remove')(os)('/srv/app/db.sqlite')",
      "import posix; posix.remove('/srv/app/db.sqlite')",
      "import os; rm = os.remove; rm('/srv/app/db.sqlite')",
    ])
      judged(`python3 -c "${code}"`, "/srv/app/db.sqlite");
    judged(`python3 -c "getattr(__import__('os'), 'system')('rm -rf /srv/app')"`, "rm -r deletes /srv/app");
    judged(
      `python3 -c "import builtins; getattr(builtins, 'exec')('import os; os.remove(\\"/srv/a.db\\")')"`,
      "/srv/a.db",
    );
  });

  it("is judged in JavaScript whatever loads the module and however the function is bound", () => {
    for (const code of [
      "require('fs').promises.rm('/srv/app', {recursive: true})",
      "require('fs')['rm' + 'Sync']('/srv/app', {recursive: true})",
      "Reflect.get(require('fs'), 'rmSync')('/srv/app')",
      "const {rmSync: r} = require('fs'); r('/srv/app')",
      "const {promises: {rm}} = require('node:fs'); rm('/srv/app')",
      "const fsp = require('fs/promises'); fsp.rm('/srv/app')",
      "const f = module.require('fs'); f.rmSync('/srv/app')",
      "const r = require; r('fs').rmSync('/srv/app')",
      "import('fs').then((m) => m.rmSync('/srv/app'))",
      "import('node:fs').then(({rmSync}) => rmSync('/srv/app'))",
      "fs.rmSync('/srv/app', {recursive: true})",
    ])
      judged(`node -e "${code}"`, "/srv/app");
    for (const code of [
      "import {rm} from 'fs/promises'; await rm('/srv/app')",
      "import {rm as r} from 'node:fs/promises'; await r('/srv/app')",
      "import * as f from 'node:fs'; f.rmSync('/srv/app')",
      "import fsp from 'fs/promises'; await fsp.rm('/srv/app')",
      "const fs = await import('fs'); fs.rmSync('/srv/app')",
      "const fs = (await import('fs')).default; fs.rmSync('/srv/app')",
    ])
      judged(`node --input-type=module -e "${code}"`, "/srv/app");
    judged(
      `node -e "require('child_process')['exec' + 'Sync']('rm -rf /srv/app')"`,
      "rm -r deletes /srv/app",
    );
    judged(`deno eval "const {remove} = Deno; await remove('/srv/app')"`, "/srv/app");
  });

  it("is judged in Ruby through send, public_send, method objects, const_get and include", () => {
    for (const code of [
      "FileUtils.send(:rm_rf, '/srv/app')",
      "FileUtils.public_send('rm_' + 'rf', '/srv/app')",
      "FileUtils.__send__ :rm_r, '/srv/app'",
      "FileUtils.method(:rm_rf).call('/srv/app')",
      "Object.const_get(:FileUtils).rm_rf('/srv/app')",
      "FU = FileUtils; FU.rm_rf('/srv/app')",
      "include FileUtils; rm_rf '/srv/app'",
      "FileUtils::rm_rf('/srv/app')",
    ])
      judged(`ruby -e "${code}"`, "/srv/app");
    judged(`ruby -e "send(:system, 'rm -rf /srv/app')"`, "rm -r deletes /srv/app");
  });

  it("is judged in PHP when called by its name as text", () => {
    for (const code of [
      `call_user_func("unlink", "/srv/app/db.sqlite");`,
      `call_user_func_array("unlink", ["/srv/app/db.sqlite"]);`,
      `"unlink"("/srv/app/db.sqlite");`,
      `$f = "un" . "link"; $f("/srv/app/db.sqlite");`,
    ])
      judged(`php -r '${code}'`, "/srv/app/db.sqlite");
  });

  it("is judged in Lua through a table's key, _G, package.loaded and rawget", () => {
    for (const code of [
      "os['remove']('/srv/app/db.sqlite')",
      "os['re' .. 'move']('/srv/app/db.sqlite')",
      "_G['os'].remove('/srv/app/db.sqlite')",
      "package.loaded.os.remove('/srv/app/db.sqlite')",
      "local o = os; o.remove('/srv/app/db.sqlite')",
    ])
      judged(`lua -e "${code}"`, "/srv/app/db.sqlite");
    judged(`lua -e "rawget(os, 'execute')('rm -rf /srv/app')"`, "rm -r deletes /srv/app");
  });
});

describe("a function the code reaches by a name only known at run time", () => {
  it("asks, in every language, when the module deletes files or runs commands", () => {
    for (const cmd of [
      `python3 -c "import os, sys; getattr(os, sys.argv[1])('/srv/app')"`,
      `python3 -c "import os; vars(os).get(name)('/srv/app')"`,
      `python3 -c "import os; globals().update(vars(os)); remove('/srv/app')"`,
      `node -e "const m = process.argv[1]; require('fs')[m]('/srv/app')"`,
      `node -e "with (require('fs')) { rmSync('/srv/app') }"`,
      `node -e "Object.assign(globalThis, require('fs')); rmSync('/srv/app')"`,
      `ruby -e "FileUtils.send(ARGV[0], '/srv/app')"`,
      `ruby -e "Object.const_get(ARGV[0]).rm_rf('/srv/app')"`,
      `perl -e 'my $f = shift; &$f("/srv/app")'`,
      `perl -e '&{"CORE::" . $ARGV[0]}("/srv/app")'`,
      `php -r '$o = new Repo(); $m = $argv[1]; $o->$m();'`,
      `php -r '$f = "unlink"; $f = $argv[1]; $f("/srv/app");'`,
      `lua -e "local k = arg[1]; os[k]('/srv/app')"`,
    ])
      asks(cmd);
  });

  it("asks when the function is taken as a value and called with what the code computes", () => {
    for (const cmd of [
      `python3 -c "import os; list(map(os.remove, paths))"`,
      `node -e "paths.forEach(fs.unlinkSync)"`,
      `node -e "Reflect.apply(require('fs').rmSync, null, args)"`,
      `php -r 'array_map("unlink", glob("/srv/app/*"));'`,
      `php -r 'array_walk($files, "unlink");'`,
    ])
      asks(cmd);
  });
});

describe("ordinary code that looks the same", () => {
  it("stays allowed: data read by computed keys, attributes of data, literal lookups of harmless functions", () => {
    for (const cmd of [
      `python3 -c "import argparse, sys; a = argparse.Namespace(v=1); print(getattr(a, sys.argv[1]))"`,
      `python3 -c "import os; print(getattr(os, 'sep'), os.__dict__.get('name'))"`,
      `python3 -c "from os import listdir as ls; print(ls('.'))"`,
      `python3 -c "import shutil as sh; print(sh.which('git'), 'rm' + 'tree')"`,
      `python3 -c "d = {'a': 1}; k = 'a'; print(d[k])"`,
      `node -e "const o = {a: 1}; const k = process.argv[1]; console.log(o[k])"`,
      `node -e "const {readFileSync: read} = require('fs'); console.log(read('/etc/hostname', 'utf8'))"`,
      `node -e "const p = require('path'); console.log(p['join']('a', 'b'), 'rm' + 'Sync')"`,
      `node -e "with (Math) { console.log(max(1, 2)) }"`,
      `ruby -e "puts [3, 1].send(:sort).inspect, File.method(:exist?).call('/tmp')"`,
      `perl -e 'my $f = sub { print @_ }; $f->("x"); my ($a, $b) = (1, 0); print $a && $b'`,
      `php -r '$f = "strtoupper"; echo $f("a"), call_user_func("trim", " b ");'`,
      `php -r 'var_dump(function_exists("exec"));'`,
      `lua -e "local t = {a = 1}; local k = 'a'; print(t[k], os['time']())"`,
    ])
      allowed(cmd);
  });
});
