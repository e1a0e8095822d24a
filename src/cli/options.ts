// Parsers for CLI option values; each throws commander's InvalidArgumentError with what was expected.
import { InvalidArgumentError } from "commander";

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new InvalidArgumentError("expected a port number 0-65535");
  return port;
}

export function parseList(value: string): string[] {
  const items = value
    .split(",")
    .map((item) => item.trim())
    .filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError("expected a comma-separated list");
  return items;
}

/** A parser for a whole number in [min, max]; `abc`, `1.5` and out-of-range values are errors, never a default. */
export function parseInteger(min: number, max: number): (value: string) => number {
  return (value) => {
    const number = /^-?\d+$/.test(value.trim()) ? Number(value) : Number.NaN;
    if (!Number.isSafeInteger(number) || number < min || number > max)
      throw new InvalidArgumentError(`expected a whole number from ${min} to ${max}`);
    return number;
  };
}
