// Block comments the mysql client ends elsewhere than MySQL, node-sql-parser and the fast reader do. The client cuts
// the text into statements itself and drops the comments it finds. It keeps no comment state for `/*+ … */` (an
// optimizer hint, which it sends on): inside one it still takes `#` and `-- ` for comments to the line's end and a
// backslash for one of its commands, it forgets the hint at the line's end, and a quote after the hint's first `*/`
// opens a string where MySQL's hint reader may still be inside the hint. Inside `/* … */`, a `/*!` or `/*+` makes it
// run the comment on past the next `*/`. Either way it runs text the readers take for a comment (`BEGIN; DELETE …;
// /* /*+ */ ; SELECT 1 */ COMMIT; ROLLBACK` commits), or drops text they read.

/** Text in a hint's body that the client reads otherwise: a line break, a quote, `#`, `--`, a backslash. */
const HINT_DIVIDE = /[\n\r'"`#\\]|--/;
/** The opening of a comment the client reads as executable or as a hint (MariaDB's `/*M!` among them). */
const INNER_OPENING = /\/\*[!+M]/;

/** Whether the client ends the comment whose text between `/*` and its first `*\/` is `body` where MySQL does. */
export function mysqlClientEndsCommentAlike(body: string): boolean {
  return !INNER_OPENING.test(body) && !(body.startsWith("+") && HINT_DIVIDE.test(body));
}

/**
 * Whether `sql` may hold a comment the client ends elsewhere: a comment holding `/*!`, `/*+` or `/*M` before its end,
 * or a hint holding what HINT_DIVIDE finds. Quotes are not told apart: such text inside a string only costs the
 * exact reading.
 */
export const MYSQL_CLIENT_COMMENT_DIVIDE =
  /\/\*(?:(?!\*\/)[\s\S])*?\/\*[!+M]|\/\*\+(?:(?!\*\/)[\s\S])*?(?:[\n\r'"`#\\]|--)/;
