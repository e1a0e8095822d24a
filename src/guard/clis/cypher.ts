// Neo4j's cypher-shell: Cypher given as an argument, in a file or on stdin, read by its clauses.
import type { Analysis } from "../analysis.ts";
import { flagSet, parseArgs } from "../args.ts";
import { type CommandTable, type Invocation, stdinText } from "../command.ts";
import { unreadableCode } from "../unreadable-code.ts";
import { unseenSql } from "../unseen-sql.ts";

const CYPHER_RULES: [RegExp, string, string][] = [
  [/\b(?:detach\s+)?delete\b/i, "DELETE removes the nodes or relationships it matched", "node:delete"],
  [
    /\bdrop\s+(?:composite\s+)?(?:database|alias|constraint|index|user|role)\b/i,
    "DROP deletes a database, index, constraint or account",
    "database:delete",
  ],
  [/\bremove\s+\w+\s*[.:]/i, "REMOVE takes properties or labels off every node it matched", "node:update"],
];
/** SET after MATCH or MERGE overwrites what was found (a key lookup is not told apart from a label scan here). */
const SET_ON_EXISTING = /\b(?:match|merge)\b[\s\S]*(?<!\bon\s+create\s+)\bset\s+\w+\s*(?:\.|\+?=)/i;

/** Comments, and string literals unless a procedure runs them as Cypher (apoc.periodic.iterate, apoc.cypher.run). */
function cypherCode(text: string): string {
  const code = text.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\//g, " ");
  return /\bapoc\./i.test(code) ? code : code.replace(/'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"/g, "''");
}

export function analyzeCypher(text: string, an: Analysis): void {
  const code = cypherCode(text);
  const statements = code.split(";").filter((s) => s.trim());
  // EXPLAIN returns the plan and runs nothing (PROFILE runs the query).
  const run = statements.filter((s) => !/^\s*explain\b/i.test(s)).join(";");
  const before = an.findings.length;
  for (const [pattern, reason, actionName] of CYPHER_RULES)
    if (pattern.test(run)) an.destroys(`Cypher ${reason}`, actionName);
  if (SET_ON_EXISTING.test(run))
    an.destroys("Cypher SET overwrites properties of every node it matched", "node:update");
  if (an.findings.length === before && code.trim()) an.harmless("Cypher that deletes and overwrites nothing");
}

function cypherShell(inv: Invocation, an: Analysis): void {
  const parsed = parseArgs(inv.args, {
    valueFlags: flagSet(
      "-a",
      "--address",
      "--uri",
      "-u",
      "--username",
      "-p",
      "--password",
      "-d",
      "--database",
      "-f",
      "--file",
      "--format",
      "-P",
      "--param",
      "--encryption",
      "--access-mode",
      "--sample-rows",
      "--wrap",
    ),
  });
  if (parsed.has("--help", "-h", "--version", "-v")) return;
  const files = parsed.values("-f", "--file");
  for (const file of files) unseenSql(an, "cypher-shell", file);
  if (parsed.positionals.length) analyzeCypher(parsed.positionals.join(" "), an);
  const unread = inv.argv.slice(1).find((w) => unreadableCode(w) && parsed.positionals.includes(w.text));
  if (unread)
    an.uncertain(`cypher-shell runs Cypher the guard cannot read (${unread.text.slice(0, 40)})`, true);
  else if (!files.length) {
    const text = stdinText(inv);
    if (text !== null) analyzeCypher(text, an);
    else if (inv.piped) an.uncertain("cypher-shell runs Cypher from stdin the guard cannot read", false);
  }
}

export const cypherCommands: CommandTable = { "cypher-shell": cypherShell };
