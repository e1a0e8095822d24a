// Text holding, outside its strings and comments, a character PostgreSQL's grammar has no use for (`{}` of a
// template, a client's backslash command): its parser refuses it, and is neither loaded nor asked.
import { lexSql, NotSimple, PostgresStrayCharacter, STRAY_CHARACTERS } from "./simple-lexer.ts";

/**
 * Whether `sql` holds such a character where PostgreSQL reads code. The fast reader's lexer, which ends every string
 * and comment where PostgreSQL does, finds it; text it stops at before is not judged.
 */
export function postgresMeetsStrayCharacter(sql: string): boolean {
  if (!STRAY_CHARACTERS.test(sql)) return false;
  try {
    lexSql(sql);
    return false;
  } catch (error) {
    if (error instanceof PostgresStrayCharacter) return true;
    if (error instanceof NotSimple) return false;
    throw error;
  }
}
