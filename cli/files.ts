import { accessSync, constants, readFileSync, statSync, type Stats } from "node:fs";
import { dirname, join, resolve } from "node:path";

/**
 * The files and folders a command reads or writes, checked before it writes anything: each problem is one line,
 * `<path>: <what is wrong>`, and the command exits 2 (invalid input), never with a stack trace from the first
 * write that fails halfway. Every command of `scripts/` checks its paths here, so the wording is the same everywhere.
 */

/** The stat of `path`, `undefined` when nothing is there, or the reason it cannot be looked at. */
function look(path: string): Stats | undefined | { reason: string } {
  try {
    return statSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    // ENOTDIR: a part of the path is a file, so nothing is there; the callers name that file.
    if (code === "ENOENT" || code === "ENOTDIR") return undefined;
    return { reason: reasonOf(e) };
  }
}

/** The nearest folder above `path` (absolute) that exists, as a path and its stat or the reason it cannot be looked at. */
function nearestAbove(path: string): { at: string; found: Stats | { reason: string } | undefined } {
  let at = dirname(resolve(path));
  let found = look(at);
  while (found === undefined && dirname(at) !== at) {
    at = dirname(at);
    found = look(at);
  }
  return { at, found };
}

/** A file system error as the words of a problem line, without Node's "ENOENT: ..., open '<path>'". */
function reasonOf(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case "ENOENT":
      return "does not exist";
    case "ENOTDIR":
      return "a part of the path is a file, not a folder";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a folder, not a file";
    default:
      return code ?? (e as Error).message.split("\n")[0]!;
  }
}

function allowed(path: string, mode: number): boolean {
  try {
    accessSync(path, mode);
    return true;
  } catch {
    return false;
  }
}

/** Why `path` cannot be read as a file, or `undefined`. */
export function readableFile(path: string): string | undefined {
  const s = look(path);
  if (s === undefined) return `${path}: does not exist`;
  if ("reason" in s) return `${path}: ${s.reason}`;
  if (s.isDirectory()) return `${path}: is a folder, not a file`;
  if (!allowed(path, constants.R_OK)) return `${path}: cannot be read (permission denied)`;
  return undefined;
}

/** Why `path` cannot be listed and read as a folder, or `undefined`. */
export function readableFolder(path: string): string | undefined {
  const s = look(path);
  if (s === undefined) return `${path}: does not exist`;
  if ("reason" in s) return `${path}: ${s.reason}`;
  if (!s.isDirectory()) return `${path}: is a file, not a folder`;
  if (!allowed(path, constants.R_OK | constants.X_OK)) return `${path}: cannot be read (permission denied)`;
  return undefined;
}

/** Why `path` cannot be written (created or replaced) as a file in a folder that exists, or `undefined`. */
export function writableFile(path: string): string | undefined {
  const s = look(path);
  if (s !== undefined) {
    if ("reason" in s) return `${path}: ${s.reason}`;
    if (s.isDirectory()) return `${path}: is a folder, not a file`;
    return allowed(path, constants.W_OK) ? undefined : `${path}: cannot be written (permission denied)`;
  }
  // A file is written into a folder that is there: a missing folder is a mistyped path more often than a wish.
  const folder = dirname(resolve(path));
  const f = look(folder);
  if (f === undefined) {
    const { at, found } = nearestAbove(folder);
    if (found && !("reason" in found) && !found.isDirectory()) return `${path}: ${at} is a file, not a folder`;
    return `${path}: its folder ${dirname(path)} does not exist`;
  }
  if ("reason" in f) return `${path}: its folder ${dirname(path)}: ${f.reason}`;
  if (!f.isDirectory()) return `${path}: ${dirname(path)} is a file, not a folder`;
  if (!allowed(folder, constants.W_OK | constants.X_OK))
    return `${path}: its folder ${dirname(path)} cannot be written (permission denied)`;
  return undefined;
}

/**
 * Why `dir` cannot be the folder a command writes `files` into, made (with its parents) when missing, or
 * `undefined`: it is not a file, nor under one, the nearest existing folder can be written, and none of `files`
 * already there is a folder or read-only.
 */
export function writableFolder(dir: string, files: readonly string[] = []): string | undefined {
  const s = look(dir);
  if (s === undefined) {
    const { at, found } = nearestAbove(dir);
    if (found === undefined || "reason" in found)
      return `${dir}: cannot be made (${found ? found.reason : "no folder above it"})`;
    if (!found.isDirectory()) return `${dir}: cannot be made: ${at} is a file, not a folder`;
    if (!allowed(at, constants.W_OK | constants.X_OK))
      return `${dir}: cannot be made: ${at} cannot be written (permission denied)`;
    return undefined;
  }
  if ("reason" in s) return `${dir}: ${s.reason}`;
  if (!s.isDirectory()) return `${dir}: is a file, not a folder`;
  if (!allowed(dir, constants.W_OK | constants.X_OK)) return `${dir}: cannot be written (permission denied)`;
  for (const file of files) {
    const problem = writableFile(join(dir, file));
    if (problem) return problem;
  }
  return undefined;
}

/**
 * Prints each problem as `<command>: <problem>` through `err`; true when there was any, so the caller returns 2
 * with nothing written: `if (refusedPaths("posture", [readableFile(plan)], io.err)) return 2;`.
 */
export function refusedPaths(
  command: string,
  problems: readonly (string | undefined | false)[],
  err: (line: string) => void,
): boolean {
  const found = problems.filter((p): p is string => typeof p === "string");
  for (const p of found) err(`${command}: ${p}`);
  return found.length > 0;
}

/** The text of a file, or throws an Error whose message is {@link readableFile}'s line (path and reason). */
export function readTextFile(path: string): string {
  const problem = readableFile(path);
  if (problem) throw new Error(problem);
  try {
    return readFileSync(path, "utf8");
  } catch (e) {
    throw new Error(`${path}: ${reasonOf(e)}`, { cause: e });
  }
}
