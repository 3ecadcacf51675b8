import { homedir } from "node:os";
import { join, resolve } from "node:path";
import type { Tool } from "./catalog.js";

/**
 * Where tools live: built or installed once per pinned version into the user's cache (`$XDG_CACHE_HOME`, or
 * `~/.cache`), and linked from the project's `.tools/bin`, so a fresh clone on the same machine reuses them.
 */

/** The cache of every pinned tool version; `SECRETS_PLATFORM_TOOLS_CACHE` overrides it. */
export function toolsCache(env: NodeJS.ProcessEnv = process.env): string {
  if (env.SECRETS_PLATFORM_TOOLS_CACHE) return resolve(env.SECRETS_PLATFORM_TOOLS_CACHE);
  return join(
    env.XDG_CACHE_HOME ? resolve(env.XDG_CACHE_HOME) : join(homedir(), ".cache"),
    "secrets-platform",
    "tools",
  );
}

/** The folder one pinned version of a tool is installed in. */
export function toolDir(tool: Tool, env: NodeJS.ProcessEnv = process.env): string {
  return join(toolsCache(env), `${tool.name}-${tool.version}`);
}

/** The project's `.tools/bin`, where every tool's binaries are linked. */
export function toolsBin(root: string = process.cwd()): string {
  return join(root, ".tools", "bin");
}
