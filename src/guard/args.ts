// Splits a command's arguments into flags and positionals, given which flags take a value.

export interface ArgSpec {
  /** Flags that consume a value (`-n`, `--namespace`); a flag not listed here is a switch. */
  valueFlags?: ReadonlySet<string>;
  /** Go-style single-dash long flags (`-auto-approve`, `-var-file=x`), as terraform uses. */
  singleDashLong?: boolean;
  /** Stop reading flags at the first positional (`sudo -u x cmd -rf`: `-rf` belongs to cmd). */
  stopAtPositional?: boolean;
}

export class ParsedArgs {
  readonly positionals: string[] = [];
  /** Every flag in order, with its value or `true` for a switch. */
  readonly flags: [string, string | true][] = [];
  /** The wrapped command: what follows `--`, or, with `stopAtPositional`, everything from the first positional on. */
  rest: string[] = [];

  has(...names: string[]): boolean {
    for (const [name] of this.flags) if (names.includes(name)) return true;
    return false;
  }

  /** The last value given for any of the names, or undefined. */
  value(...names: string[]): string | undefined {
    for (let i = this.flags.length - 1; i >= 0; i--) {
      const [name, value] = this.flags[i]!;
      if (names.includes(name) && value !== true) return value;
    }
    return undefined;
  }

  values(...names: string[]): string[] {
    const values: string[] = [];
    for (const [name, value] of this.flags) if (value !== true && names.includes(name)) values.push(value);
    return values;
  }
}

const EMPTY: ReadonlySet<string> = new Set();
const DOUBLE_DASH = /^--/;
const LEADING_EQUALS = /^=/;

export function parseArgs(args: readonly string[], spec: ArgSpec = {}): ParsedArgs {
  const valueFlags = spec.valueFlags ?? EMPTY;
  const out = new ParsedArgs();
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === "--") {
      out.rest = args.slice(i + 1);
      out.positionals.push(...out.rest);
      break;
    }
    if (arg.length < 2 || arg[0] !== "-") {
      out.positionals.push(arg);
      if (spec.stopAtPositional) {
        out.rest = args.slice(i);
        out.positionals.push(...args.slice(i + 1));
        break;
      }
      continue;
    }
    if (arg.startsWith("--") || spec.singleDashLong) {
      const eq = arg.indexOf("=");
      const name = eq > 0 ? arg.slice(0, eq) : arg;
      // Go-style flags accept one dash or two; keep the one-dash spelling.
      const canonical = spec.singleDashLong ? name.replace(DOUBLE_DASH, "-") : name;
      if (eq > 0) out.flags.push([canonical, arg.slice(eq + 1)]);
      else if ((valueFlags.has(name) || valueFlags.has(canonical)) && i + 1 < args.length) {
        out.flags.push([canonical, args[++i]!]);
      } else out.flags.push([canonical, true]);
      continue;
    }
    // A cluster of short switches: -rf, -n1, -XDELETE.
    for (let j = 1; j < arg.length; j++) {
      const name = `-${arg[j]}`;
      if (valueFlags.has(name)) {
        const attached = arg.slice(j + 1).replace(LEADING_EQUALS, "");
        if (attached) out.flags.push([name, attached]);
        else if (i + 1 < args.length) out.flags.push([name, args[++i]!]);
        else out.flags.push([name, true]);
        break;
      }
      out.flags.push([name, true]);
    }
  }
  return out;
}

export const flagSet = (...names: string[]): ReadonlySet<string> => new Set(names);
