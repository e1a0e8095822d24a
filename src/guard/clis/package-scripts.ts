// A package manager running one of the project's scripts (`npm run db:reset`, `yarn clean`, `npm test`): where the
// command is judged on its machine, the script's text in package.json is judged as the shell that runs it, with the
// `pre` and `post` scripts npm runs around it.
import type { Analysis } from "../analysis.ts";
import { shellQuoted } from "../shell-quote.ts";
import type { ProjectFile } from "../types.ts";
import { judgeDiskText } from "../written-scripts.ts";

/** package.json's `scripts` on disk, or null when there is no such file or it holds no scripts. */
function packageScripts(an: Analysis): { file: ProjectFile; scripts: Record<string, unknown> } | null {
  const file = an.projectFile("package.json");
  if (!file) return null;
  try {
    const scripts = (JSON.parse(file.text) as { scripts?: unknown } | null)?.scripts;
    if (!scripts || typeof scripts !== "object" || Array.isArray(scripts)) return null;
    return { file, scripts: scripts as Record<string, unknown> };
  } catch {
    return null;
  }
}

/**
 * `runner` runs the package script `name` with `args` appended to its text (what follows the name, or `--`): each of
 * `pre<name>`, `<name>` and `post<name>` there is, judged once per command. The name is still judged as before.
 */
export function judgePackageScript(
  runner: string,
  name: string,
  args: readonly string[],
  an: Analysis,
): void {
  const found = packageScripts(an);
  if (!found) return;
  for (const script of [`pre${name}`, name, `post${name}`]) {
    const text = found.scripts[script];
    if (typeof text !== "string" || !an.firstReading(`${found.file.path}#${script}`)) continue;
    const run = script === name && args.length ? `${text} ${args.map(shellQuoted).join(" ")}` : text;
    // The script's text is judged, not quoted: it may hold a token, and reasons are shown and kept.
    an.harmless(`${runner} runs the script ${script} of ${found.file.path}, whose text is judged`);
    judgeDiskText(an, found.file, run, (text) => an.nested.shell(text));
  }
}
