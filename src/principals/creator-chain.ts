// Who made whom: a principal's creators, transitively, and whoever was handed one of their keys on the way. An
// approver is independent of an agent only if the agent's owner is nowhere in that chain (an admin who can make
// humans could otherwise make their own approver, directly or with the key of an admin they re-keyed).
import { LeashError } from "../errors/leash-error.ts";
import type { Principal, Store } from "../store/store.ts";

/** Deeper than any real organisation; a longer chain is refused rather than half-checked. */
const MAX_CHAIN_LENGTH = 64;

/** Someone in a chain, with how they are linked to the principal it starts from. */
export interface ChainLink {
  id: string;
  /** Nearest first, ending with this one: "made by a", "re-keyed by b" (b was handed a's new key). */
  path: string[];
}

export interface ChainOptions {
  /**
   * Count the principal's own re-keyers: yes for someone whose key stands for them (an agent's owner, whoever holds
   * their key acts as them), no for an approver, whose approval needs their own second factor besides the key.
   */
  ownRekeyers?: boolean;
  /** Read principals through this (a cache shared by the checks of one decision); the store by default. */
  read?: (id: string) => Promise<Principal | null>;
}

/**
 * Everyone who made `principal` or, through a key they were handed, could have: its creator, the admins who re-keyed
 * a creator before that creator made the next one down (a re-key after it made nothing of this chain), and so on up,
 * nearest first. Each link carries the path that leads to it, for messages.
 */
export async function creatorChain(
  store: Store,
  principal: Principal,
  options: ChainOptions = {},
): Promise<ChainLink[]> {
  const read = options.read ?? ((id: string) => store.getPrincipal(id));
  const links = new Map<string, ChainLink>();
  /** The latest moment each one acted down this chain: re-keys up to then gave someone their key in time. */
  const actedAt = new Map<string, number>();
  const queue: Array<{ from: Principal; at: number; path: string[] }> = [];

  const reach = async (id: string, at: number, path: string[]) => {
    if (id === principal.id || (actedAt.get(id) ?? Number.NEGATIVE_INFINITY) >= at) return;
    if (!links.has(id)) {
      if (links.size >= MAX_CHAIN_LENGTH) {
        throw new LeashError(
          "approver_not_independent",
          `${principal.id}'s chain of creators is longer than ${MAX_CHAIN_LENGTH}; its independence cannot be checked`,
        );
      }
      links.set(id, { id, path });
    }
    actedAt.set(id, at);
    const next = await read(id);
    if (next) queue.push({ from: next, at, path });
  };
  const expand = async (from: Principal, at: number, path: string[], ownRekeyers: boolean) => {
    // Its creator held its key first, before anything it did.
    if (from.createdBy !== undefined)
      await reach(from.createdBy, from.createdAt, [...path, `made by ${from.createdBy}`]);
    if (!ownRekeyers) return;
    for (const { by, at: rekeyedAt } of from.rekeyedBy ?? []) {
      if (rekeyedAt <= at) await reach(by, rekeyedAt, [...path, `re-keyed by ${by}`]);
    }
  };

  await expand(principal, Number.POSITIVE_INFINITY, [], options.ownRekeyers ?? false);
  while (queue.length > 0) {
    const { from, at, path } = queue.shift()!;
    await expand(from, at, path, true);
  }
  return [...links.values()];
}

/** The chain's ids. */
export const chainIds = (chain: ChainLink[]): string[] => chain.map((link) => link.id);
