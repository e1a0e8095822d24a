// Standard input and output read and written through their file descriptors, for `leash hook`: process.stdin and
// process.stdout on a pipe are sockets, and touching either loads Node's socket and stream modules, about a tenth of
// a hook call's start-up. An agent starts hooks with blocking pipes; a descriptor that is not blocking (EAGAIN) is
// left to the streams after all.
import { isUtf8 } from "node:buffer";
import { readSync, writeSync } from "node:fs";

const CHUNK_BYTES = 64 * 1024;

const wouldBlock = (error: unknown) => (error as NodeJS.ErrnoException).code === "EAGAIN";

/** All of standard input, refused once it is over `limit` bytes. */
async function readStandardInput(limit: number, tooLarge: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  const take = (chunk: Buffer) => {
    size += chunk.length;
    if (size > limit) throw new Error(tooLarge);
    chunks.push(chunk);
  };
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(CHUNK_BYTES);
      const read = readSync(0, chunk, 0, CHUNK_BYTES, null);
      if (read === 0) return Buffer.concat(chunks);
      take(chunk.subarray(0, read));
    }
  } catch (error) {
    if (!wouldBlock(error)) throw error;
  }
  for await (const chunk of process.stdin) take(chunk as Buffer);
  return Buffer.concat(chunks);
}

/**
 * All of standard input as text, refused when over `limit` bytes or not UTF-8: read as U+FFFD, bytes that are not
 * UTF-8 would be judged as text other than what was sent.
 */
export async function readStandardText(limit: number, tooLarge: string, notText: string): Promise<string> {
  const input = await readStandardInput(limit, tooLarge);
  if (!isUtf8(input)) throw new Error(notText);
  return input.toString("utf8");
}

/** Writes `text` to standard output; a reader that has gone away (EPIPE) is not an error. */
export function writeStandardOutput(text: string): void {
  const bytes = Buffer.from(text, "utf8");
  let written = 0;
  try {
    while (written < bytes.length) written += writeSync(1, bytes, written);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EPIPE") return;
    if (!wouldBlock(error)) throw error;
    process.stdout.write(bytes.subarray(written));
  }
}
