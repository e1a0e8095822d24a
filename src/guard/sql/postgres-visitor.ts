// What each PostgreSQL statement destroys, read from libpg-query's tree (or the fast reader's copy of it).
import type { Analysis } from "../analysis.ts";
import { shellQuoted } from "../shell-quote.ts";
import { action } from "../vocabulary.ts";
import { type AstNode, arr, obj, str } from "./ast-values.ts";
import { dataLoss } from "./data-loss.ts";
import { judgeDoBlock } from "./do-block.ts";
import { judgeMysqlReset } from "./mysql-settings.ts";
import { isKeyPredicate, isTautology } from "./postgres-predicates.ts";
import { judgeSetConfig, judgeSetting } from "./postgres-settings.ts";
import { constants, names, relname } from "./postgres-tree.ts";
import { judgeRoutineName } from "./routines.ts";
import { judgeSqlTextFunction } from "./sql-text-functions.ts";

/** Judges one node; returns false when its children need no visit. */
export function visitPg(type: string, body: AstNode, an: Analysis): boolean {
  switch (type) {
    case "DeleteStmt": {
      const table = relname(body.relation);
      const every = !body.whereClause;
      dataLoss(
        an,
        table,
        every ? `DELETE without WHERE deletes every row of ${table}` : `DELETE removes rows from ${table}`,
        "rows:delete",
      );
      return true;
    }
    case "InsertStmt":
      judgeUpsertFromSelect(relname(body.relation), body, an);
      return true;
    case "UpdateStmt":
      judgeUpdate(relname(body.relation), body.whereClause, an);
      return true;
    case "TruncateStmt": {
      const tables = arr(body.relations).map((r) => relname(obj(r).RangeVar));
      if (tables.every(inSessionSchema)) {
        an.harmless(`TRUNCATE ${tables.join(", ")}: the session's own temporary tables`);
        return false;
      }
      dataLoss(an, tables.join(", "), `TRUNCATE empties ${tables.join(", ")}`, "table:truncate");
      return false;
    }
    case "DropStmt": {
      const kind = str(body.removeType)
        .replace(/^OBJECT_/, "")
        .toLowerCase()
        .replace(/_/g, "-");
      const objectNames = arr(body.objects).map((o) => names(o).join("."));
      const objects = objectNames.join(", ");
      if (kind === "table" && objectNames.every(inSessionSchema)) {
        an.harmless(`DROP TABLE ${objects}: the session's own temporary tables`);
        return false;
      }
      const actionName =
        kind === "table" ? "table:delete" : kind === "database" ? "database:delete" : action(kind, "delete");
      if (kind === "trigger" && /audit/i.test(objects))
        an.destroysSafetyNet(`DROP TRIGGER ${objects} removes audit logging`, "audit-log:disable");
      else
        dataLoss(
          an,
          objects,
          `DROP ${kind.toUpperCase()} ${objects}${str(body.behavior) === "DROP_CASCADE" ? " CASCADE" : ""}`,
          actionName,
        );
      return false;
    }
    case "DropdbStmt":
      dataLoss(an, str(body.dbname), `DROP DATABASE ${str(body.dbname)}`, "database:delete");
      return false;
    case "AlterTableStmt":
      alterTable(relname(body.relation), arr(body.cmds), an);
      return true;
    case "AlterSystemStmt":
    case "VariableSetStmt": {
      const set = type === "AlterSystemStmt" ? obj(body.setstmt) : body;
      // PostgreSQL reads MySQL's RESET MASTER/REPLICA as resetting a setting of that name, which it does not have.
      if (str(set.kind) === "VAR_RESET" && judgeMysqlReset(str(set.name).toLowerCase(), an)) return false;
      judgeSetting(
        str(set.name).toLowerCase(),
        names(set.args).concat(constants(set.args)).join(" ").toLowerCase(),
        type === "AlterSystemStmt",
        an,
      );
      return false;
    }
    case "ExplainStmt": {
      const analyze = arr(body.options).some(
        (o) =>
          str(obj(obj(o).DefElem).defname) === "analyze" &&
          !/false|off/i.test(JSON.stringify(obj(obj(o).DefElem).arg ?? "")),
      );
      if (!analyze) an.harmless("EXPLAIN only plans the query");
      return analyze;
    }
    case "FuncCall": {
      if (judgeSqlTextFunction(body.funcname, body.args, an)) return true;
      const name = names(body.funcname).at(-1)?.toLowerCase() ?? "";
      // set_config(name, value, is_local) is SET written as a function call.
      if (name === "set_config") judgeSetConfig(arr(body.args), an);
      else judgeRoutineName(name, an);
      return true;
    }
    case "CallStmt": {
      // CALL's function is held without the FuncCall wrapper the walk looks for.
      const call = obj(body.funccall);
      if (!judgeSqlTextFunction(call.funcname, call.args, an))
        judgeRoutineName(names(call.funcname).at(-1)?.toLowerCase() ?? "", an);
      return true;
    }
    case "DoStmt":
      judgeDoBlock(body, an);
      return false;
    case "CopyStmt": {
      // The server runs a program (fed the rows by TO, read for them by FROM) or writes a file on its own host,
      // even in a read-only session.
      const target = str(body.filename);
      if (body.is_program && target) an.nested.shell(body.is_from ? target : `postgres | ${target}`);
      else if (target && !body.is_from) an.nested.shell(`postgres > ${shellQuoted(target)}`);
      return true;
    }
    case "MergeStmt": {
      const table = relname(body.relation);
      for (const clause of arr(body.mergeWhenClauses)) {
        const command = str(obj(obj(clause).MergeWhenClause).commandType);
        if (command === "CMD_DELETE")
          dataLoss(an, table, `MERGE deletes matched rows of ${table}`, "rows:delete");
        if (command === "CMD_UPDATE")
          dataLoss(an, table, `MERGE overwrites matched rows of ${table}`, "rows:update");
      }
      return true;
    }
    case "CreateFunctionStmt":
    case "CreateTrigStmt":
    case "RuleStmt":
    case "ViewStmt":
      // Definitions run later, if ever; defining them destroys nothing.
      return false;
    default:
      if (/^Drop/.test(type)) {
        const what = type.replace(/^Drop/, "").replace(/Stmt$/, "");
        dataLoss(
          an,
          names(body).join("."),
          `DROP ${what.toUpperCase()} ${names(body).join(", ")}`.trim(),
          action(what.replace(/([a-z])([A-Z])/g, "$1-$2"), "delete"),
        );
        return false;
      }
      return true;
  }
}

function judgeUpdate(table: string, where: unknown, an: Analysis): void {
  if (!where) dataLoss(an, table, `UPDATE without WHERE overwrites every row of ${table}`, "rows:update");
  else if (isTautology(where))
    dataLoss(an, table, `UPDATE … WHERE is always true: overwrites every row of ${table}`, "rows:update");
  else if (isKeyPredicate(where, table))
    an.harmless(`UPDATE targets rows of ${table} by primary key`, "rows:update");
  else
    dataLoss(
      an,
      table,
      `UPDATE overwrites every row of ${table} matching a non-key condition`,
      "rows:update",
    );
}

function alterTable(table: string, cmds: unknown[], an: Analysis): void {
  for (const c of cmds) {
    const cmd = obj(obj(c).AlterTableCmd);
    const subtype = str(cmd.subtype);
    const name = str(cmd.name);
    switch (subtype) {
      case "AT_DropColumn":
        dataLoss(
          an,
          table,
          `ALTER TABLE ${table} DROP COLUMN ${name} deletes the column's data`,
          "column:delete",
        );
        break;
      case "AT_DropConstraint":
        an.destroys(
          `ALTER TABLE ${table} DROP CONSTRAINT ${name} removes a protection on the data`,
          "constraint:delete",
        );
        break;
      case "AT_DisableTrig":
      case "AT_DisableTrigAll":
      case "AT_DisableTrigUser":
        if (/audit|history|log/i.test(name) || /audit/i.test(table) || subtype === "AT_DisableTrigAll")
          an.destroysSafetyNet(
            `ALTER TABLE ${table} DISABLE TRIGGER ${name || "ALL"} switches audit logging off`,
            "audit-log:disable",
          );
        else
          an.destroys(
            `ALTER TABLE ${table} DISABLE TRIGGER ${name} switches a trigger off`,
            "trigger:disable",
          );
        break;
      case "AT_DisableRowSecurity":
      case "AT_NoForceRowSecurity":
        an.destroys(`ALTER TABLE ${table} switches row-level security off`, "row-security:disable");
        break;
      case "AT_AlterColumnType":
        an.destroys(
          `ALTER TABLE ${table} ALTER COLUMN ${name} TYPE may truncate or lose data`,
          "column:update",
        );
        break;
      case "AT_SetUnLogged":
        an.destroys(
          `ALTER TABLE ${table} SET UNLOGGED: its data is lost on a crash and not replicated`,
          "table:update",
        );
        break;
    }
  }
}

/**
 * INSERT … SELECT … ON CONFLICT DO UPDATE overwrites every existing row whose key the query repeats, as an UPDATE
 * without a key condition would; literal VALUES name their rows, and DO NOTHING keeps the old ones.
 */
function judgeUpsertFromSelect(table: string, insert: AstNode, an: Analysis): void {
  if (str(obj(insert.onConflictClause).action) !== "ONCONFLICT_UPDATE") return;
  if (obj(obj(insert.selectStmt).SelectStmt).valuesLists) return;
  dataLoss(
    an,
    table,
    `INSERT … SELECT … ON CONFLICT DO UPDATE overwrites every row of ${table} whose key the query repeats`,
    "rows:update",
  );
}

/** pg_temp is the session's own schema of temporary tables: a new psql session holds none of its earlier ones. */
const inSessionSchema = (name: string) => /^pg_temp\./i.test(name);
