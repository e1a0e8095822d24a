// Types for cluster-key-slot (the slot function ioredis' Cluster client routes by; the package ships none).
declare module "cluster-key-slot" {
  /** The Redis Cluster hash slot (0..16383) of a key, honouring a `{hash tag}`. */
  function calculateSlot(key: string | Buffer): number;
  namespace calculateSlot {
    /** The common slot of all keys, or -1 when they span slots. */
    function generateMulti(keys: Array<string | Buffer>): number;
  }
  export = calculateSlot;
}
