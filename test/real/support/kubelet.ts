import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, lchownSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import type { LaidOutEntry, LaidOutVolume, ProcessIdentity } from "../../support/kubelet-volumes.js";

/**
 * A pod's volumes laid out for real under a folder standing for the container's `/`, with the owners and modes the
 * model (test/support/kubelet-volumes.ts) says the kubelet gives them, and processes run as the container's identity.
 * Needs root (chown, and setpriv to become another uid), which the real tier has here.
 */

/** Why processes cannot be run as another user here, or false. REQUIRE_REAL_TOOLS=1 makes that a failure. */
export function runAsSkipReason(): string | false {
  if (process.getuid?.() !== 0)
    return `laying volumes out with Kubernetes' owners and running a container's command as its uid needs root (this runs as uid ${process.getuid?.()})`;
  try {
    execFileSync("setpriv", ["--version"], { stdio: "ignore" });
  } catch {
    return "setpriv (util-linux) is not installed: it runs a command as a uid, gid and supplementary groups";
  }
  return false;
}

/** A command as `who`: setpriv drops root, so the kernel checks every file access against that identity alone. */
export function asIdentity(who: ProcessIdentity, command: readonly string[]): [string, string[]] {
  const groups = who.groups.length > 0 ? [`--groups=${who.groups.join(",")}`] : ["--clear-groups"];
  return ["setpriv", [`--reuid=${who.uid}`, `--regid=${who.gid}`, ...groups, "--", ...command]];
}

/** A path of the container, under the folder standing for its `/`. */
export const inRoot = (root: string, path: string) => join(root, path);

/**
 * Makes `root` stand for a container's `/`: searchable by every user (as an image's `/` is), with every folder above
 * it searchable too, and `bin` holding `tools` (the image's CLIs, copied: the originals may sit under a private home).
 */
export function containerRoot(root: string, tools: Record<string, string> = {}): void {
  for (let dir = root; dir !== dirname(dir); dir = dirname(dir))
    if (dir === root) chmodSync(dir, 0o755);
    else execFileSync("chmod", ["o+x", dir]);
  mkdirSync(join(root, "bin"), { recursive: true, mode: 0o755 });
  for (const [name, from] of Object.entries(tools)) {
    copyFileSync(from, join(root, "bin", name));
    chmodSync(join(root, "bin", name), 0o755);
  }
}

/**
 * Lays each volume out at its mount path under `root` (folders above a mount path: root-owned 0755, as in an image),
 * each entry with exactly the model's owner, group and mode; `content` gives each file's bytes.
 */
export function layOut(
  root: string,
  volumes: readonly LaidOutVolume[],
  content: (c: NonNullable<LaidOutEntry["content"]>) => string,
): void {
  for (const v of volumes) {
    const mount = inRoot(root, v.mountPath);
    mkdirSync(dirname(mount), { recursive: true, mode: 0o755 });
    for (const e of v.entries) {
      const at = join(mount, e.path);
      if (e.type === "directory") mkdirSync(at, { recursive: true });
      else if (e.type === "symlink") symlinkSync(e.target!, at);
      else writeFileSync(at, content(e.content!));
      lchownSync(at, e.uid, e.gid);
      // chmod follows a symlink: a link's own mode means nothing on Linux.
      if (e.type !== "symlink") chmodSync(at, e.mode);
    }
  }
}
