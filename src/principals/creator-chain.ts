// Who made whom: a principal's creators, transitively. An approver is independent of an agent only if the agent's
// owner is nowhere in that chain (an admin who can make humans could otherwise make their own approver).
import { LeashError } from "../errors/leash-error.ts";
import type { Principal, Store } from "../store/store.ts";

/** Deeper than any real organisation; a longer chain is refused rather than half-checked. */
const MAX_CHAIN_LENGTH = 64;

/** The ids of everyone who created `principal`, nearest first (its creator, that one's creator, …). */
export async function creatorChain(store: Store, principal: Principal): Promise<string[]> {
  const chain: string[] = [];
  const seen = new Set([principal.id]);
  let next = principal.createdBy;
  while (next !== undefined && !seen.has(next)) {
    if (chain.length >= MAX_CHAIN_LENGTH) {
      throw new LeashError(
        "approver_not_independent",
        `${principal.id}'s chain of creators is longer than ${MAX_CHAIN_LENGTH}; its independence cannot be checked`,
      );
    }
    chain.push(next);
    seen.add(next);
    next = (await store.getPrincipal(next))?.createdBy;
  }
  return chain;
}
