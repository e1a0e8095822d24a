// The files on the machine where a command is about to run, read for the rules: the shell scripts, SQL files and
// package scripts the command runs. Only regular text files of a bounded size, opened without blocking, so that a FIFO
// or a device named like a script cannot hold up an agent's hook.
import { closeSync, constants, fstatSync, openSync, readlinkSync, readSync, realpathSync } from "node:fs";
import { homedir } from "node:os";
import { basename, dirname, isAbsolute, join, resolve } from "node:path";
import type { ProjectFile, ProjectFiles } from "./types.ts";

/** Larger files are left to the rules' reading of their names: no script an agent just wrote is this long. */
const MAX_FILE_BYTES = 128 * 1024;
/** All the files read for one command together. */
const MAX_TOTAL_BYTES = 1024 * 1024;
/** The kernel's and the devices' files: no scripts, and reading one may block or never end. */
const NOT_A_FILE = /^\/(?:dev|proc|sys)(?:\/|$)/;

/** The files `path`s name relative to `directory`, the command's working directory. */
export function projectFilesIn(directory: string): ProjectFiles {
  const files = new Map<string, ProjectFile | null>();
  let left = MAX_TOTAL_BYTES;
  return {
    read(path) {
      const full = fullPath(directory, path);
      if (full === null) return null;
      let file = files.get(full);
      if (file === undefined) {
        file = readText(full, Math.min(MAX_FILE_BYTES, left));
        if (file) left -= file.text.length;
        files.set(full, file);
      }
      return file;
    },
    resolve(path) {
      const full = fullPath(directory, path);
      return full === null ? null : onDisk(full);
    },
  };
}

/**
 * `full` with the links on its way followed, as far as they lead: a link that leads nowhere yet is followed too (a write
 * through it creates what it names), a few times at most, and what does not exist is kept as written.
 */
function onDisk(full: string, links = 8): string {
  try {
    return realpathSync(full);
  } catch {}
  if (links > 0) {
    try {
      return onDisk(resolve(dirname(full), readlinkSync(full)), links - 1);
    } catch {}
  }
  const directory = dirname(full);
  return directory === full ? full : join(onDisk(directory, links), basename(full));
}

function fullPath(directory: string, path: string): string | null {
  if (!path || path.includes("\0")) return null;
  // `~/x` is the user's home; `~name/x` another user's, which the rules do not look up.
  const expanded = path === "~" || path.startsWith("~/") ? homedir() + path.slice(1) : path;
  if (expanded.startsWith("~")) return null;
  const full = isAbsolute(expanded) ? resolve(expanded) : resolve(directory, expanded);
  return NOT_A_FILE.test(full) ? null : full;
}

/** The file's text when it is a regular file of at most `limit` bytes holding no NUL byte; null otherwise. */
function readText(path: string, limit: number): ProjectFile | null {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | (constants.O_NONBLOCK ?? 0));
  } catch {
    return null;
  }
  try {
    const stat = fstatSync(fd);
    if (!stat.isFile() || stat.size > limit) return null;
    const bytes = Buffer.alloc(stat.size);
    let read = 0;
    while (read < bytes.length) {
      const n = readSync(fd, bytes, read, bytes.length - read, read);
      if (n === 0) break;
      read += n;
    }
    const content = bytes.subarray(0, read);
    if (content.includes(0)) return null;
    return { path, text: content.toString("utf8") };
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}
