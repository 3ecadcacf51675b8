import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, it } from "vitest";
import { consumerNamespaces } from "../../delivery/objects.js";
import { demoPlan, outputsOf } from "../support/demo-plan.js";
import { controlPlaneSkipReason, startControlPlane, type ControlPlane, type KubeObject } from "./control-plane.js";
import { plannedObjects, unknownPaths, type PlannedObject } from "./support/plan-objects.js";

/**
 * Must-show 1 of the real tier: every Kubernetes object of every demo stack, custom resources included, is admitted
 * by a real kube-apiserver (with the pinned controllers' CRDs) as the kubernetes provider sends it: server-side apply,
 * the stack's name as field manager, strict field validation (an unknown or duplicate field is an error naming it,
 * not a warning and a silently dropped field), first as a dry run, then for real, in phase order.
 */

const skip = controlPlaneSkipReason();
if (skip) console.info(`admission by the real API server: skipped: ${skip}`);

/** Pulumi's own annotation for a patch that takes over fields another manager owns. */
const PATCH_FORCE = "pulumi.com/patchForce";
/** The field manager kustomize-controller applies Git's manifests with. */
const FLUX_MANAGER = "kustomize-controller";
/** The manager of what the cluster holds before the platform: the teams' own namespaces. */
const CLUSTER_MANAGER = "cluster-admin";

const label = (o: PlannedObject) =>
  `${o.stack}: ${o.name} (${o.object.kind} ${o.object.metadata.namespace ? `${o.object.metadata.namespace}/` : ""}${o.object.metadata.name})`;

/** Identity of an object in the cluster. */
const identity = (o: KubeObject) =>
  `${o.apiVersion.split("/").slice(0, -1).join("/")}/${o.kind}/${o.metadata.namespace ?? ""}/${o.metadata.name}`;

/**
 * What the server stores for what was sent: a Secret's stringData is write-only and comes back base64 in data (the
 * API's documented conversion); everything else as sent.
 */
function asStored(object: KubeObject): KubeObject {
  if (object.kind !== "Secret" || !object.stringData) return object;
  const { stringData, ...rest } = object as KubeObject & { stringData: Record<string, string> };
  const data = { ...((rest.data as Record<string, string> | undefined) ?? {}) };
  for (const [k, v] of Object.entries(stringData)) data[k] = Buffer.from(v).toString("base64");
  return { ...rest, data };
}

/**
 * The paths where `got` differs from what was `sent`: every field sent must come back with its value; fields the
 * server adds (defaults, status, uid, managedFields) are ignored. Paths only, never values: a Secret's data stays out
 * of the failure message.
 */
function differences(sent: unknown, got: unknown, path = ""): string[] {
  if (Array.isArray(sent)) {
    if (!Array.isArray(got) || got.length !== sent.length) return [path];
    return sent.flatMap((v, i) => differences(v, got[i], `${path}[${i}]`));
  }
  if (sent !== null && typeof sent === "object") {
    if (got === null || typeof got !== "object" || Array.isArray(got)) return [path];
    return Object.entries(sent).flatMap(([k, v]) =>
      differences(v, (got as Record<string, unknown>)[k], `${path}.${k}`),
    );
  }
  return sent === got ? [] : [path];
}

describe.skipIf(skip !== false)("every object the demo plan registers, against the real API server", () => {
  let plane: ControlPlane;
  const plan = skip === false ? demoPlan() : undefined;
  const { objects, leftOut } = plannedObjects(plan?.stacks ?? []);
  /** What each object read back right after its apply differed in (a later stack's patch may change it again). */
  const readBack = new Map<PlannedObject, string[]>();
  beforeAll(async () => {
    plane = await startControlPlane();
  }, 300_000);
  afterAll(() => plane?.stop());

  /**
   * What the stacks expect the cluster to have and no stack creates: the namespaces the teams' workloads run in
   * (every one a consumer namespace of the registry), made here before the first stack as a cluster admin makes them.
   */
  function teamNamespaces(): string[] {
    const created = new Set(objects.filter((o) => o.object.kind === "Namespace").map((o) => o.object.metadata.name));
    const used = new Set(objects.flatMap((o) => (o.object.metadata.namespace ? [o.object.metadata.namespace] : [])));
    return [...used].filter((ns) => !created.has(ns)).sort();
  }

  /**
   * The Secrets Flux materializes from Git's SOPS manifests once a stack's Kustomization exists (the bootstrap
   * stack's inventory: name, namespace, labels), made as kustomize-controller makes them, with its field manager.
   * Their values are in Git, encrypted; an empty Secret stands for each: only its metadata is patched later.
   */
  function fluxMaterialized(stack: string): KubeObject[] {
    const run = plan!.stacks.find((r) => r.stack === stack)!;
    const inventory = (outputsOf(run).bootstrapInventory ?? []) as {
      secretName: string;
      namespace: string;
      labels: Record<string, string>;
      materializedBy: string;
    }[];
    return inventory
      .filter((i) => i.materializedBy.startsWith("Kustomization "))
      .map((i) => ({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: i.secretName, namespace: i.namespace, labels: i.labels },
        type: "Opaque",
      }));
  }

  it("takes every Kubernetes object of every stack, and leaves out only the Helm releases, by name", () => {
    const stacks = new Set(objects.map((o) => o.stack));
    assert.deepEqual([...stacks], ["demo-gitops", "demo-bootstrap", "demo-runtime-authority", "demo-steady-state"]);
    const crdGroups = new Set(plane.crds.map((name) => name.slice(name.indexOf(".") + 1)));
    const custom = objects.filter((o) => crdGroups.has(o.object.apiVersion.split("/")[0]!));
    assert.ok(custom.length > 0, "custom resources included");
    for (const l of leftOut) assert.equal(l.type, "kubernetes:helm.sh/v3:Release", `${l.stack}: ${l.name}: ${l.why}`);
    console.info(
      `admission: ${objects.length} objects (${custom.length} custom resources) applied; left out, ${leftOut.length} Helm releases (installed by Helm, not applied): ${leftOut.map((l) => `${l.stack}/${l.name}`).join(", ")}`,
    );
  });

  it("has no field the plan leaves unknown until apply, so none is filled in or skipped here", () => {
    // The demo's objects reference other resources by name, never by an output known only after apply. If one did,
    // its field would have to be filled here with what the cluster would hold, and this test would say which.
    const unknown = objects.flatMap((o) => unknownPaths(o.object).map((p) => `${label(o)}: ${p}`));
    assert.deepEqual(unknown, []);
  });

  it("admits each with fieldValidation=Strict, as a dry run and then for real, in phase order: no rejection, no warning", async () => {
    const teams = teamNamespaces();
    const consumers = new Set(plan!.registry.purposes.flatMap((p) => consumerNamespaces(p)));
    assert.deepEqual(
      teams.filter((ns) => !consumers.has(ns)),
      [],
      "every namespace no stack creates is a team's",
    );
    for (const ns of teams) {
      const made = await plane.apply(
        { apiVersion: "v1", kind: "Namespace", metadata: { name: ns } },
        { fieldManager: CLUSTER_MANAGER },
      );
      assert.equal(made.status, 201, ns);
    }
    const problems: string[] = [];
    let stack: string | undefined;
    for (const o of [...objects, undefined]) {
      if (stack !== undefined && o?.stack !== stack)
        for (const secret of fluxMaterialized(stack)) {
          const made = await plane.apply(secret, { fieldManager: FLUX_MANAGER });
          if (made.status >= 300) problems.push(`Flux's ${secret.metadata.name}: HTTP ${made.status}`);
        }
      if (!o) break;
      stack = o.stack;
      const annotations = o.object.metadata.annotations as Record<string, string> | undefined;
      const force = o.patch && annotations?.[PATCH_FORCE] === "true";
      for (const dryRun of [true, false]) {
        const answer = await plane.apply(o.object, { fieldManager: o.stack, dryRun, force });
        const mode = dryRun ? "dry run" : "apply";
        for (const w of answer.warnings) problems.push(`${label(o)}: ${mode}: warning: ${w}`);
        if (answer.status >= 300) {
          problems.push(
            `${label(o)}: ${mode}: HTTP ${answer.status}: ${(answer.body as { message?: string }).message ?? JSON.stringify(answer.body)}`,
          );
          break;
        }
        if (!dryRun) {
          const read = await plane.request<KubeObject>("GET", await plane.pathOf(o.object));
          readBack.set(o, read.status === 200 ? differences(asStored(o.object), read.body) : [`HTTP ${read.status}`]);
        }
      }
    }
    console.info(
      `admission: made first, as the cluster has them: ${teams.length} team namespaces (${teams.join(", ")}) and the Secrets Flux materializes from Git`,
    );
    assert.deepEqual(problems, []);
  });

  it("reads each back as it was sent: no field unknown to the schema pruned, no value changed (defaults aside)", () => {
    // Read right after its own apply: a later stack's patch changes some on purpose.
    assert.equal(readBack.size, objects.length, "every object was applied");
    const problems = [...readBack].flatMap(([o, paths]) => paths.map((p) => `${label(o)}: ${p || "."}`));
    assert.deepEqual(problems, []);
  });

  it("shows by managed fields that an object one stack creates and a later one patches is patched by field manager", async () => {
    const patches = objects.filter((o) => o.patch);
    assert.ok(patches.length > 0, "the demo patches objects of earlier stacks");
    const byStack = patches.filter((p) => objects.some((o) => !o.patch && identity(o.object) === identity(p.object)));
    assert.ok(byStack.length > 0, "one stack patches an object another stack creates");
    for (const p of patches) {
      const creator = objects.find((o) => !o.patch && identity(o.object) === identity(p.object));
      // An object no stack creates is one Flux materialized from Git (made above, with Flux's manager).
      const createdBy = creator?.stack ?? FLUX_MANAGER;
      assert.notEqual(createdBy, p.stack, label(p));
      const read = await plane.request<
        KubeObject & { metadata: { managedFields: { manager: string; operation: string }[] } }
      >("GET", await plane.pathOf(p.object));
      const managers = read.body.metadata.managedFields.filter((m) => m.operation === "Apply").map((m) => m.manager);
      assert.ok(
        managers.includes(createdBy) && managers.includes(p.stack),
        `${label(p)}: managers ${managers.join(", ")}, not ${createdBy} and ${p.stack}`,
      );
    }
  });

  it("refuses a misspelt field by its name, in a built-in kind and in a custom resource, and stores nothing", async () => {
    const builtIn = objects.find((o) => o.object.kind === "Job")!;
    const custom = objects.find((o) => o.object.kind === "Certificate")!;
    for (const o of [builtIn, custom]) {
      const spec = o.object.spec as Record<string, unknown>;
      const [field] = Object.keys(spec);
      const misspelt = field!.slice(0, -1);
      const copy = {
        ...o.object,
        metadata: { ...o.object.metadata, name: `${o.object.metadata.name}-misspelt` },
        spec: { ...spec, [misspelt]: spec[field!] },
      } as KubeObject;
      delete (copy.spec as Record<string, unknown>)[field!];
      for (const dryRun of [true, false]) {
        const answer = await plane.apply(copy, { fieldManager: o.stack, dryRun });
        assert.ok(answer.status >= 400, `${label(o)}: HTTP ${answer.status}`);
        assert.match(
          String(answer.body?.message),
          new RegExp(`\\.spec\\.${misspelt}: field not declared in schema`),
          `${label(o)}: HTTP ${answer.status}`,
        );
      }
      assert.equal((await plane.request("GET", await plane.pathOf(copy))).status, 404, label(o));
    }
  });
});
