import { posix } from "node:path";

/**
 * A model of how the kubelet (Linux) lays out a pod's Secret, ConfigMap, projected and emptyDir volumes, and of the
 * identity a container's process runs as: pure, for tests that lay the files out for real (as root) and run the
 * container's command as that identity. Rules, from Kubernetes' pkg/volume (read there, not copied):
 * - AtomicWriter writes each key into a `..<timestamp>` directory (0755) with the item's `mode`, else the volume's
 *   `defaultMode`, else 0644, owned by root:root; `..data` links to that directory and each key links into it.
 * - A projected service account token is written 0600 instead of `defaultMode` when the pod has an fsGroup or an
 *   FsUser, and owned by the FsUser: the runAsUser all of the pod's containers share (util.FsUserFrom), if they do.
 * - With an fsGroup, SetVolumeOwnership gives every entry the group fsGroup and adds group read (0440) to files of
 *   read-only volumes (secret, configMap, projected), group read-write (0660) to files of an emptyDir, and setgid plus
 *   group search to directories. Without one, nothing changes.
 * - An emptyDir is 0777 (a memory one is a tmpfs: 01777); Secret and projected volumes are memory-backed too.
 * - The process runs as runAsUser/runAsGroup (the container's, else the pod's) with supplementary groups fsGroup and
 *   supplementalGroups (groups the image's /etc/group adds are left out: our workloads set numeric ids).
 */

/** The parts of a Kubernetes pod spec this model reads (core/v1 field names). */
export interface PodSpec {
  securityContext?: {
    runAsUser?: number;
    runAsGroup?: number;
    fsGroup?: number;
    supplementalGroups?: number[];
  };
  initContainers?: Container[];
  containers: Container[];
  volumes?: Volume[];
}

export interface Container {
  name: string;
  command?: string[];
  env?: { name: string; value?: string }[];
  securityContext?: { runAsUser?: number; runAsGroup?: number };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean; subPath?: string }[];
}

type KeyToPath = { key: string; path: string; mode?: number };
export interface Volume {
  name: string;
  secret?: { secretName: string; defaultMode?: number; items?: KeyToPath[] };
  configMap?: { name: string; defaultMode?: number; items?: KeyToPath[] };
  projected?: {
    defaultMode?: number;
    sources: {
      secret?: { name: string; items?: KeyToPath[] };
      configMap?: { name: string; items?: KeyToPath[] };
      serviceAccountToken?: { path: string; audience?: string; expirationSeconds?: number };
    }[];
  };
  emptyDir?: { medium?: string };
}

/** Who a container's process is. */
export interface ProcessIdentity {
  uid: number;
  gid: number;
  /** Supplementary groups. */
  groups: number[];
}

/** One entry of a laid-out volume, relative to its mount path (`""` is the mount point itself). */
export interface LaidOutEntry {
  path: string;
  type: "directory" | "file" | "symlink";
  uid: number;
  gid: number;
  /** Permission bits with setuid/setgid/sticky (ignored for a symlink). */
  mode: number;
  /** A symlink's target. */
  target?: string;
  /** Where a file's content comes from: a key of a Secret or ConfigMap, or the service account token. */
  content?:
    { kind: "Secret" | "ConfigMap"; name: string; key: string } | { kind: "ServiceAccountToken"; audience?: string };
}

export interface LaidOutVolume {
  volume: string;
  mountPath: string;
  readOnly: boolean;
  entries: LaidOutEntry[];
}

/** The keys of a Secret or ConfigMap, for a volume that projects all of them (no `items`). */
export type KeysOf = (kind: "Secret" | "ConfigMap", name: string) => readonly string[];

/** The AtomicWriter's timestamped directory; any name of that form will do, the pod only sees `..data`. */
const TIMESTAMP_DIR = "..2026_12_01_09_00_00.000000001";
const READ_ONLY_FILE_BITS = 0o440;
const READ_WRITE_FILE_BITS = 0o660;
const DIRECTORY_BITS = 0o2000 | 0o110;

const effective = <K extends "runAsUser" | "runAsGroup">(pod: PodSpec, c: Container, key: K) =>
  c.securityContext?.[key] ?? pod.securityContext?.[key];

/**
 * The identity the runtime starts `container` with. A container without a runAsUser runs as its image's user, which
 * the pod spec does not say: refused, since nothing could then be checked.
 */
export function processIdentity(pod: PodSpec, container: Container): ProcessIdentity {
  const uid = effective(pod, container, "runAsUser");
  if (uid === undefined)
    throw new Error(
      `container ${container.name}: no runAsUser: it runs as its image's user, which the spec does not say`,
    );
  const sc = pod.securityContext ?? {};
  const groups = [...(sc.fsGroup === undefined ? [] : [sc.fsGroup]), ...(sc.supplementalGroups ?? [])];
  // Without runAsGroup the runtime takes the user's group from the image's /etc/passwd, or 0 for a uid it lacks.
  return { uid, gid: effective(pod, container, "runAsGroup") ?? 0, groups: [...new Set(groups)] };
}

/** The uid every container of the pod runs as, when they all share one (the kubelet's FsUser), else undefined. */
export function fsUserOf(pod: PodSpec): number | undefined {
  const uids = [...(pod.initContainers ?? []), ...pod.containers].map((c) => effective(pod, c, "runAsUser"));
  return uids.every((u) => u !== undefined && u === uids[0]) ? uids[0] : undefined;
}

/** Every volume `container` mounts, laid out as the kubelet would. Volume kinds the model does not know are refused. */
export function containerVolumes(pod: PodSpec, container: Container, keysOf: KeysOf): LaidOutVolume[] {
  return (container.volumeMounts ?? []).map((m) => {
    if (m.subPath) throw new Error(`container ${container.name}: mount ${m.name} uses subPath, not modelled`);
    const volume = (pod.volumes ?? []).find((v) => v.name === m.name);
    if (!volume) throw new Error(`container ${container.name}: mount ${m.name} names no volume of the pod`);
    return {
      volume: m.name,
      mountPath: m.mountPath,
      readOnly: m.readOnly === true,
      entries: volumeEntries(pod, volume, keysOf),
    };
  });
}

type Projection = { path: string; mode: number; uid: number; content: NonNullable<LaidOutEntry["content"]> };

function volumeEntries(pod: PodSpec, v: Volume, keysOf: KeysOf): LaidOutEntry[] {
  const fsGroup = pod.securityContext?.fsGroup;
  if (v.emptyDir) {
    const mode = v.emptyDir.medium === "Memory" ? 0o1777 : 0o777;
    return [withFsGroup({ path: "", type: "directory", uid: 0, gid: 0, mode }, fsGroup, READ_WRITE_FILE_BITS)];
  }
  const files = projections(pod, v, keysOf);
  // A ConfigMap volume wraps a disk emptyDir; Secret and projected volumes a memory one.
  const root = v.configMap ? 0o777 : 0o1777;
  const entries: LaidOutEntry[] = [
    { path: "", type: "directory", uid: 0, gid: 0, mode: root },
    { path: TIMESTAMP_DIR, type: "directory", uid: 0, gid: 0, mode: 0o755 },
    { path: "..data", type: "symlink", uid: 0, gid: 0, mode: 0o777, target: TIMESTAMP_DIR },
  ];
  const dirs = new Set<string>();
  const links = new Set<string>();
  for (const f of files) {
    const parts = f.path.split("/");
    for (let i = 1; i < parts.length; i++) dirs.add(parts.slice(0, i).join("/"));
    links.add(parts[0]!);
  }
  for (const d of [...dirs].sort())
    entries.push({ path: posix.join(TIMESTAMP_DIR, d), type: "directory", uid: 0, gid: 0, mode: 0o755 });
  for (const f of files)
    entries.push({
      path: posix.join(TIMESTAMP_DIR, f.path),
      type: "file",
      uid: f.uid,
      gid: 0,
      mode: f.mode,
      content: f.content,
    });
  for (const l of [...links].sort())
    entries.push({ path: l, type: "symlink", uid: 0, gid: 0, mode: 0o777, target: posix.join("..data", l) });
  return entries.map((e) => withFsGroup(e, fsGroup, READ_ONLY_FILE_BITS));
}

function projections(pod: PodSpec, v: Volume, keysOf: KeysOf): Projection[] {
  const fsUser = fsUserOf(pod);
  const fsGroup = pod.securityContext?.fsGroup;
  const of = (
    kind: "Secret" | "ConfigMap",
    name: string,
    items: KeyToPath[] | undefined,
    defaultMode: number,
  ): Projection[] =>
    (items ?? keysOf(kind, name).map((key): KeyToPath => ({ key, path: key }))).map((i) => ({
      path: i.path,
      mode: i.mode ?? defaultMode,
      uid: 0,
      content: { kind, name, key: i.key },
    }));
  if (v.secret) return of("Secret", v.secret.secretName, v.secret.items, v.secret.defaultMode ?? 0o644);
  if (v.configMap) return of("ConfigMap", v.configMap.name, v.configMap.items, v.configMap.defaultMode ?? 0o644);
  if (v.projected) {
    const defaultMode = v.projected.defaultMode ?? 0o644;
    return v.projected.sources.flatMap((s): Projection[] => {
      if (s.secret) return of("Secret", s.secret.name, s.secret.items, defaultMode);
      if (s.configMap) return of("ConfigMap", s.configMap.name, s.configMap.items, defaultMode);
      if (s.serviceAccountToken)
        return [
          {
            path: s.serviceAccountToken.path,
            // With an fsGroup the ownership pass then makes it 0640; with an FsUser it is that user's alone.
            mode: fsUser !== undefined || fsGroup !== undefined ? 0o600 : defaultMode,
            uid: fsUser ?? 0,
            content: { kind: "ServiceAccountToken", audience: s.serviceAccountToken.audience },
          },
        ];
      throw new Error(`volume ${v.name}: a projected source this model does not know: ${Object.keys(s).join(", ")}`);
    });
  }
  throw new Error(`volume ${v.name}: a volume type this model does not know: ${Object.keys(v).join(", ")}`);
}

/** SetVolumeOwnership's pass over one entry: symlinks only change group. */
function withFsGroup(e: LaidOutEntry, fsGroup: number | undefined, fileBits: number): LaidOutEntry {
  if (fsGroup === undefined) return e;
  if (e.type === "symlink") return { ...e, gid: fsGroup };
  return { ...e, gid: fsGroup, mode: e.mode | (e.type === "directory" ? fileBits | DIRECTORY_BITS : fileBits) };
}

/**
 * Whether `who` may read a file, or search and list a directory, with these owner and mode bits, as the kernel decides
 * for an unprivileged process (owner bits if it owns it, else group bits if in its group, else other bits).
 */
export function mayRead(who: ProcessIdentity, e: Pick<LaidOutEntry, "uid" | "gid" | "mode" | "type">): boolean {
  const need = e.type === "directory" ? 0o5 : 0o4;
  const bits =
    who.uid === e.uid
      ? (e.mode >> 6) & 7
      : who.gid === e.gid || who.groups.includes(e.gid)
        ? (e.mode >> 3) & 7
        : e.mode & 7;
  return (bits & need) === need;
}
