// Output lines encoded as UTF-8 one by one into a growing buffer, for a command that writes many lines at a time.
// Joining thousands of lines into one string and encoding that costs several times more: V8 must first copy the
// string's pieces into one flat string, and that copy is slower than the encoding.

/** Bytes a UTF-16 code unit can take in UTF-8: a lone surrogate becomes U+FFFD, three bytes. */
const MOST_BYTES_PER_UNIT = 3;

export class LineBytes {
  private buffer: Buffer;
  private used = 0;

  constructor(private readonly initialSize = 256 * 1024) {
    this.buffer = Buffer.allocUnsafe(initialSize);
  }

  /** Appends `line` and a newline. */
  add(line: string): void {
    // Room for the longest encoding, so write() never truncates.
    const room = line.length * MOST_BYTES_PER_UNIT + 1;
    if (this.used + room > this.buffer.length) this.grow(this.used + room);
    this.used += this.buffer.write(line, this.used);
    this.buffer[this.used++] = 0x0a;
  }

  /** The lines added since the last take, in a buffer of their own: the caller may keep it while more are added. */
  take(): Buffer {
    if (this.used === 0) return Buffer.alloc(0);
    const lines = this.buffer.subarray(0, this.used);
    this.buffer = Buffer.allocUnsafe(Math.max(this.initialSize, this.used));
    this.used = 0;
    return lines;
  }

  private grow(needed: number): void {
    const bigger = Buffer.allocUnsafe(Math.max(needed, this.buffer.length * 2));
    this.buffer.copy(bigger, 0, 0, this.used);
    this.buffer = bigger;
  }
}
