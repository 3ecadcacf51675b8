import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { inputs, runOf } from "./support/demo-plan.js";
import {
  containerVolumes,
  mayRead,
  processIdentity,
  type Container,
  type LaidOutEntry,
  type PodSpec,
} from "./support/kubelet-volumes.js";

/** A pod of one container mounting `volumes` (each at /<name>), with a pod security context. */
function pod(
  securityContext: PodSpec["securityContext"],
  volumes: PodSpec["volumes"],
  extra: Container[] = [],
): PodSpec {
  const container: Container = {
    name: "main",
    volumeMounts: (volumes ?? []).map((v) => ({ name: v.name, mountPath: `/${v.name}`, readOnly: true })),
  };
  return { securityContext, containers: [container, ...extra], volumes };
}
const keys = () => ["a"];
const entry = (p: PodSpec, volume: string, path: string): LaidOutEntry => {
  const v = containerVolumes(p, p.containers[0]!, keys).find((l) => l.volume === volume)!;
  const e = v.entries.find((x) => x.path.endsWith(path) && x.type !== "symlink")!;
  assert.ok(e, `${volume}: no entry ${path} in ${JSON.stringify(v.entries)}`);
  return e;
};
const octal = (e: LaidOutEntry) => [e.uid, e.gid, `0${e.mode.toString(8)}`];

describe("the kubelet's layout of a pod's volumes (model)", () => {
  const secret = { name: "s", secret: { secretName: "s", defaultMode: 0o400 } };

  it("writes Secret keys root:root with defaultMode, so a non-root user without fsGroup cannot read a 0400 key", () => {
    const p = pod({ runAsUser: 100, runAsGroup: 1000 }, [secret]);
    const key = entry(p, "s", "/a");
    assert.deepEqual(octal(key), [0, 0, "0400"]);
    assert.equal(mayRead(processIdentity(p, p.containers[0]!), key), false);
  });

  it("with fsGroup, gives every entry that group and adds group read to files, setgid and search to directories", () => {
    const p = pod({ runAsUser: 100, runAsGroup: 1000, fsGroup: 1000 }, [secret]);
    assert.deepEqual(octal(entry(p, "s", "/a")), [0, 1000, "0440"]);
    const root = containerVolumes(p, p.containers[0]!, keys)[0]!.entries.find((e) => e.path === "")!;
    assert.deepEqual(octal(root), [0, 1000, "03777"]);
    assert.equal(mayRead(processIdentity(p, p.containers[0]!), entry(p, "s", "/a")), true);
  });

  it("defaults to 0644; an item's mode wins over defaultMode; nested item paths get 0755 folders", () => {
    const p = pod({ runAsUser: 100 }, [
      { name: "c", configMap: { name: "c" } },
      {
        name: "i",
        secret: { secretName: "i", defaultMode: 0o400, items: [{ key: "a", path: "dir/b", mode: 0o444 }] },
      },
    ]);
    assert.deepEqual(octal(entry(p, "c", "/a")), [0, 0, "0644"]);
    assert.deepEqual(octal(entry(p, "i", "/dir/b")), [0, 0, "0444"]);
    assert.deepEqual(octal(entry(p, "i", "/dir")), [0, 0, "0755"]);
  });

  it("gives a projected token to the user all containers share (0600), else writes it root-owned with defaultMode", () => {
    const token = {
      name: "t",
      projected: { sources: [{ serviceAccountToken: { path: "token", audience: "vault" } }] },
    };
    const shared = pod({ runAsUser: 100 }, [token]);
    assert.deepEqual(octal(entry(shared, "t", "/token")), [100, 0, "0600"]);
    const other: Container = { name: "sidecar", securityContext: { runAsUser: 200 } };
    const mixed = pod({ runAsUser: 100 }, [token], [other]);
    assert.deepEqual(octal(entry(mixed, "t", "/token")), [0, 0, "0644"]);
    const grouped = pod({ runAsUser: 100, fsGroup: 2000 }, [token]);
    assert.deepEqual(octal(entry(grouped, "t", "/token")), [100, 2000, "0640"]);
  });

  it("makes an emptyDir world-writable (a memory one sticky), group-owned by fsGroup when there is one", () => {
    const dirs = [
      { name: "d", emptyDir: {} },
      { name: "m", emptyDir: { medium: "Memory" } },
    ];
    assert.deepEqual(octal(entry(pod({ runAsUser: 1 }, dirs), "d", "")), [0, 0, "0777"]);
    assert.deepEqual(octal(entry(pod({ runAsUser: 1 }, dirs), "m", "")), [0, 0, "01777"]);
    assert.deepEqual(octal(entry(pod({ runAsUser: 1, fsGroup: 5 }, dirs), "m", "")), [0, 5, "03777"]);
  });

  it("runs the process as the container's ids over the pod's, with fsGroup and supplementalGroups as its groups", () => {
    const p = pod({ runAsUser: 100, runAsGroup: 1000, fsGroup: 3000, supplementalGroups: [4000, 3000] }, []);
    assert.deepEqual(processIdentity(p, { name: "x", securityContext: { runAsUser: 7 } }), {
      uid: 7,
      gid: 1000,
      groups: [3000, 4000],
    });
    assert.throws(() => processIdentity(pod({}, []), { name: "x" }), /container x: no runAsUser/);
  });

  it("refuses what it does not model rather than guessing", () => {
    const p = pod({ runAsUser: 1 }, [{ name: "h", hostPath: { path: "/" } } as never]);
    assert.throws(
      () => containerVolumes(p, p.containers[0]!, keys),
      /volume h: a volume type this model does not know/,
    );
  });
});

describe("the demo plan's workloads, by the model", () => {
  it("every handover Job can read every file it mounts under its own user and groups", () => {
    const jobs = runOf("runtime-authority").resources.filter((r) => r.type === "kubernetes:batch/v1:Job");
    assert.ok(jobs.length > 0);
    for (const job of jobs) {
      const spec = inputs(job).spec.template.spec as PodSpec;
      for (const c of spec.containers) {
        const who = processIdentity(spec, c);
        assert.notEqual(who.uid, 0, `${job.name}: runs as root`);
        for (const v of containerVolumes(spec, c, () => ["key"]))
          for (const e of v.entries.filter((x) => x.type !== "symlink"))
            assert.ok(
              mayRead(who, e),
              `${job.name} (uid ${who.uid}): ${v.mountPath}/${e.path} is ${octal(e).join(" ")}`,
            );
      }
    }
  });
});
