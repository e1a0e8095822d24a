// Fastify's per-request logger, made only when a request logs something. Most requests log nothing but their access
// line (written without it), and a pino child of the redacting logger costs a request more than that line.
import type { Bindings, ChildLoggerOptions, Level, LogFn, Logger } from "pino";

type Method = Exclude<Level, never>;

/** Stands in for `parent.child(bindings, options)` until a log method is called, then is that child. */
export class LazyRequestLogger {
  private made: Logger | undefined;

  constructor(
    private readonly parent: Logger,
    private readonly bindings: Bindings,
    private readonly options: ChildLoggerOptions,
  ) {}

  private get logger(): Logger {
    this.made ??= this.parent.child(this.bindings, this.options);
    return this.made;
  }

  get level(): string {
    return this.made?.level ?? this.options.level ?? this.parent.level;
  }

  set level(level: string) {
    this.logger.level = level;
  }

  isLevelEnabled(level: string): boolean {
    return this.made ? this.made.isLevelEnabled(level) : this.parent.isLevelEnabled(level);
  }

  private call(method: Method, args: Parameters<LogFn>): void {
    // A level the logger would drop costs nothing, not even the child.
    if (!this.options.level && !this.made && !this.parent.isLevelEnabled(method)) return;
    (this.logger[method] as (...a: Parameters<LogFn>) => void)(...args);
  }

  fatal(...args: Parameters<LogFn>): void {
    this.call("fatal", args);
  }
  error(...args: Parameters<LogFn>): void {
    this.call("error", args);
  }
  warn(...args: Parameters<LogFn>): void {
    this.call("warn", args);
  }
  info(...args: Parameters<LogFn>): void {
    this.call("info", args);
  }
  debug(...args: Parameters<LogFn>): void {
    this.call("debug", args);
  }
  trace(...args: Parameters<LogFn>): void {
    this.call("trace", args);
  }
  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): Logger {
    return this.logger.child(bindings, options);
  }
}
