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

/** The folder one pinned version of a tool (or of a controller's CRDs) is installed in. */
export function toolDir(tool: Tool, env: NodeJS.ProcessEnv = process.env): string {
  return join(toolsCache(env), `${tool.kind === "crds" ? "crds-" : ""}${tool.name}-${tool.version}`);
}

/** The Go module and build caches of the built tools: shared by every build, kept with the tools they made. */
export function goCache(env: NodeJS.ProcessEnv = process.env): string {
  return join(toolsCache(env), "go");
}

/** The project's `.tools/bin`, where every tool's binaries are linked. */
export function toolsBin(root: string = process.cwd()): string {
  return join(root, ".tools", "bin");
}

/** The project's `.tools/crds`: one folder of CRD manifests per controller, linked. Installed into test servers only. */
export function toolsCrds(root: string = process.cwd()): string {
  return join(root, ".tools", "crds");
}
