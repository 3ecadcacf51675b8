import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../../../plan/engine/monitor.js";
import type { StackRun } from "../../../plan/run.js";
import { inputs } from "../../support/demo-plan.js";
import type { KubeObject } from "../control-plane.js";

/**
 * The Kubernetes objects of a planned cluster, as the kubernetes provider would send them to the API server: every
 * `kubernetes:<group>/<version>:<Kind>` resource of every stack, in phase order, each stack's Namespaces first.
 */

/** One object a stack registers: created by it, or (a `*Patch` resource) a patch of an object of an earlier stack. */
export interface PlannedObject {
  stack: string;
  /** The resource's URN name, for messages. */
  name: string;
  type: string;
  object: KubeObject;
  patch: boolean;
}

/** A Kubernetes resource that is no single object of the API: a Helm release is installed by Helm, not applied. */
export interface LeftOut {
  stack: string;
  name: string;
  type: string;
  why: string;
}

const NOT_OBJECTS: readonly { prefix: string; why: string }[] = [
  { prefix: "kubernetes:helm.sh/", why: "a Helm release: the chart's objects are rendered by Helm, in the cluster" },
  { prefix: "kubernetes:yaml:", why: "a component: its objects are registered, and applied, one by one" },
  { prefix: "kubernetes:yaml/v2:", why: "a component: its objects are registered, and applied, one by one" },
  { prefix: "kubernetes:kustomize:", why: "a component: its objects are registered, and applied, one by one" },
  { prefix: "kubernetes:kustomize/v2:", why: "a component: its objects are registered, and applied, one by one" },
];

/** `kubernetes:core/v1:Namespace` and the like (not providers, not components). */
function isKubernetesObjectType(type: string): boolean {
  return /^kubernetes:[\w.-]+\/[\w]+:\w+$/.test(type);
}

/** Every object of the stacks, in the order they reach the cluster, and what is left out and why. */
export function plannedObjects(stacks: readonly StackRun[]): { objects: PlannedObject[]; leftOut: LeftOut[] } {
  const objects: PlannedObject[] = [];
  const leftOut: LeftOut[] = [];
  for (const run of stacks) {
    const mine: PlannedObject[] = [];
    for (const r of run.resources) {
      if (!r.custom || r.read || !r.type.startsWith("kubernetes:")) continue;
      const excluded = NOT_OBJECTS.find((n) => r.type.startsWith(n.prefix));
      if (excluded || !isKubernetesObjectType(r.type)) {
        leftOut.push({ stack: run.stack, name: r.name, type: r.type, why: excluded?.why ?? "not an object type" });
        continue;
      }
      mine.push({ stack: run.stack, name: r.name, type: r.type, object: objectOf(r), patch: r.type.endsWith("Patch") });
    }
    // A namespaced object needs its Namespace first; the provider orders them by dependency, the same way.
    objects.push(
      ...mine.filter((o) => o.object.kind === "Namespace"),
      ...mine.filter((o) => o.object.kind !== "Namespace"),
    );
  }
  return { objects, leftOut };
}

function objectOf(r: RecordedResource): KubeObject {
  return inputs(r) as KubeObject;
}

/** The paths of every value the plan left unknown (known only once another resource exists), for a failure. */
export function unknownPaths(value: unknown, path = ""): string[] {
  if (value === pulumi.runtime.unknownValue) return [path || "."];
  if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, `${path}[${i}]`));
  if (value && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, `${path}.${k}`));
  return [];
}
