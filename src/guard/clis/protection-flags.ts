// Flags that switch a named protection off, in the spellings cloud CLIs use: `--no-deletion-protection`,
// `--disable-backup-retention`, `--enable-soft-delete false`, `--delete-protection-state=DELETE_PROTECTION_DISABLED`.

/**
 * Protections by name: deletion, termination and purge protection, soft delete (Azure's delete retention),
 * versioning, backups, PITR, locks.
 */
const PROTECTION =
  /(?:deletion|delete|termination|purge|drop)-protection|prevent-destroy|soft-?delete|delete-retention|versioning|backups?(?:-retention)?$|backup-retention|point-in-time|pitr|object-lock|legal-hold|backtrack|audit/;
/** The cheap test on the whole command line before reading flags. */
export const PROTECTION_WORD =
  /protection|soft-?delete|delete-?retention|versioning|backup|point-in-time|pitr|lock|legal-hold|backtrack|audit|threat|disable-api-/i;
const NEGATED = /^--?(?:no|disable)-(.+)$/;
const OFF_VALUE = /^(?:false|off|no|none|disabled?|suspended|[a-z_]*_disabled)$/i;
/** Flags named for what they forbid (`--disable-api-termination`, `--disable-api-stop`): false switches that guard off. */
const FORBIDS = /^disable-api-(?:termination|stop)$/;
/** `false`, and the structure spellings the AWS CLI takes for it: `{"Value": false}`, shorthand `Value=false`. */
const FALSE_VALUE = /^(?:false|\{\s*"?value"?\s*:\s*false\s*\}|value=false)$/i;

/** The flags in these pairs that switch a protection off, as written; empty when none. */
export function protectionsOff(flags: Iterable<readonly [string, string | true]>): string[] {
  const off: string[] = [];
  for (const [flag, value] of flags) {
    const name = flag.replace(/^-+/, "").toLowerCase();
    const negated = NEGATED.exec(flag.toLowerCase())?.[1];
    if (negated !== undefined && PROTECTION.test(negated)) off.push(flag);
    else if (value !== true && FORBIDS.test(name) && FALSE_VALUE.test(value)) off.push(`${flag} ${value}`);
    else if (value !== true && PROTECTION.test(name.replace(/^enable-/, "")) && OFF_VALUE.test(value))
      off.push(`${flag} ${value}`);
  }
  return off;
}

/** Settings that, switched on, delete without the usual copy or check: no final snapshot, buckets emptied on destroy. */
const SKIPS_SAFETY_NET = /^--(?:skip-final-snapshot|force-destroy|delete-automated-backups)$/;
const TRUE_VALUE = /^(?:true|1|yes|on)$/i;
/** CDK's `removal_policy=RemovalPolicy.DESTROY` and CloudFormation's `DeletionPolicy: Delete` drop the data with the stack. */
const REMOVAL_POLICY = /^--(?:removal|deletion|update-replace)-policy$/;
const DELETES_WITH_STACK = /^(?:\w+\.)?(?:destroy|delete)$/i;

/** The flags in these pairs that skip a safety net (`--skip-final-snapshot true`, `--removal-policy destroy`). */
export function safetyNetsSkipped(flags: Iterable<readonly [string, string | true]>): string[] {
  const skipped: string[] = [];
  for (const [flag, value] of flags) {
    const name = flag.toLowerCase();
    if (value === true) continue;
    if (SKIPS_SAFETY_NET.test(name) && TRUE_VALUE.test(value)) skipped.push(`${flag} ${value}`);
    else if (REMOVAL_POLICY.test(name) && DELETES_WITH_STACK.test(value)) skipped.push(`${flag} ${value}`);
  }
  return skipped;
}

/** Flags that set the state of the command's own subject: `az sql server audit-policy update --state Disabled`. */
const STATE_FLAG = /^--(?:state|status|enabled?)$/i;
/** Command paths whose subject is itself a protection: audit policies, backup policies, versioning, threat detection. */
const PROTECTION_SUBJECT =
  /audit|backup|versioning|soft-?delete|protection|point-in-time|pitr|threat|defender|legal-hold|object-lock/i;

/** The state flags that switch off the protection the command path names, as written; empty when none. */
export function subjectSwitchedOff(
  path: readonly string[],
  flags: Iterable<readonly [string, string | true]>,
): string[] {
  if (!path.some((w) => PROTECTION_SUBJECT.test(w))) return [];
  const off: string[] = [];
  for (const [flag, value] of flags)
    if (value !== true && STATE_FLAG.test(flag) && OFF_VALUE.test(value)) off.push(`${flag} ${value}`);
  return off;
}
