// The algorithms leash signs task tokens with: LEASH_SIGNING_ALG picks one, keys/ makes and loads keys for it.

export const SIGNING_ALGORITHMS = ["EdDSA", "ES256"] as const;
export type SigningAlgorithm = (typeof SIGNING_ALGORITHMS)[number];
