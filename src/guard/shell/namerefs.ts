// The name references a script has declared, as the runner follows them: an assignment through one lands on its
// target, and its expansion is the target's value.
import type { Word } from "../word.ts";

/** A target bash accepts: a name, maybe with a subscript (the element of that array). */
const TARGET = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[.*\])?$/s;
/** How many namerefs deep a chain is followed; bash refuses a circular one. */
const MAX_DEPTH = 8;

interface Binding {
  /** One target, or a `for` loop's items (one at a time); none until the nameref is given one. */
  targets: readonly Word[];
  /**
   * False once the guard cannot tell whether the nameref still points there: declared again (`local r` in a function
   * shadows it, `declare +n r` removes it), named by a command (`unset -n r`, `eval …`), or declared in a function
   * body, which the guard reads once where it is defined. Assignments then land on the name itself.
   */
  followed: boolean;
}

export class NamerefTable {
  private readonly bindings: Map<string, Binding>;

  constructor(from?: NamerefTable) {
    this.bindings = new Map(from?.bindings);
  }

  get size(): number {
    return this.bindings.size;
  }

  has(name: string): boolean {
    return this.bindings.has(name);
  }

  names(): string[] {
    return [...this.bindings.keys()];
  }

  /** A nameref not yet given a target: the next value assigned to it becomes one. */
  unbound(name: string): boolean {
    return this.bindings.get(name)?.targets.length === 0;
  }

  /** A nameref given a target, which assignments through it reach. */
  followed(name: string): boolean {
    const binding = this.bindings.get(name);
    return binding !== undefined && binding.targets.length > 0 && binding.followed;
  }

  /** Makes `name` a nameref to `targets` (none: given one later). */
  bind(name: string, targets: readonly Word[]): void {
    this.bindings.set(name, { targets, followed: true });
  }

  /** The guard no longer tells where `name` points: assignments land on the name itself. */
  unfollow(name: string): void {
    const binding = this.bindings.get(name);
    if (binding?.targets.length) this.bindings.set(name, { targets: binding.targets, followed: false });
  }

  /** The names bound otherwise than in `before` (a function body declared or changed them). */
  changedSince(before: NamerefTable): string[] {
    return this.names().filter((name) => this.bindings.get(name) !== before.bindings.get(name));
  }

  /**
   * The variables an assignment to `name` sets, through namerefs pointing at namerefs: `[name]` when it is no nameref
   * or one without a target yet; null when some target is unknown or no longer followed.
   */
  resolve(name: string, depth = 0): readonly string[] | null {
    const binding = this.bindings.get(name);
    if (!binding?.targets.length) return [name];
    if (!binding.followed || depth >= MAX_DEPTH) return null;
    const names: string[] = [];
    for (const target of binding.targets) {
      const base = target.dynamic ? undefined : TARGET.exec(target.text)?.[1];
      const resolved = base === undefined ? null : this.resolve(base, depth + 1);
      if (!resolved) return null;
      names.push(...resolved);
    }
    return names;
  }
}
