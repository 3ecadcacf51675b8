import { RESOURCE_TYPES } from "../../../policies/resource-types.js";
import { randomBytes, randomUUID } from "node:crypto";
import type { ResourceModel } from "../monitor.js";
import { crdSchemaProblem } from "./crd-schemas.js";

/**
 * A model of the `kubernetes` provider for plain objects (core kinds and custom resources alike): the API server's
 * defaulting of metadata (uid, resourceVersion, creationTimestamp, generation, the `default` namespace), Pulumi's
 * auto-naming (`<name>-<8 hex>` when metadata.name is not set), the provider's id (`namespace/name`, or `name` for
 * cluster-scoped kinds), a Secret's stringData folded into data, custom resources validated against their CRD
 * schemas (`crd-schemas.ts`); and Helm v3 releases. The provider's remote
 * components (yaml/v2, helm/v4) are not modelled.
 */

/** Kinds the API server does not namespace (core, and the controllers this platform installs). */
const CLUSTER_SCOPED = new Set([
  "Namespace",
  "Node",
  "PersistentVolume",
  "ClusterRole",
  "ClusterRoleBinding",
  "CustomResourceDefinition",
  "StorageClass",
  "CSIDriver",
  "PriorityClass",
  "RuntimeClass",
  "IngressClass",
  "APIService",
  "MutatingWebhookConfiguration",
  "ValidatingWebhookConfiguration",
  "ClusterIssuer",
  "ClusterSecretStore",
  "ClusterExternalSecret",
  "ClusterPushSecret",
  "ClusterGenerator",
  "Bundle",
]);

let resourceVersion = 1000;

const kubernetesObject: ResourceModel = async (inputs, { name, urn, now }) => {
  // A *Patch resource changes an existing object's fields; it never creates the object or defaults its data.
  const patch = /Patch::/.test(urn);
  const kind = String(inputs.kind);
  // The API server validates a custom resource against its CRD's schema before storing it.
  const invalid = patch
    ? undefined
    : await crdSchemaProblem({ ...inputs, apiVersion: String(inputs.apiVersion), kind });
  if (invalid)
    throw new Error(`${String(inputs.apiVersion)} ${kind} ${name}: the API server would refuse it: ${invalid}`);
  const meta = (inputs.metadata ?? {}) as Record<string, unknown>;
  const objectName =
    typeof meta.name === "string" && meta.name ? meta.name : `${name}-${randomBytes(4).toString("hex")}`;
  const namespace = CLUSTER_SCOPED.has(kind)
    ? undefined
    : typeof meta.namespace === "string" && meta.namespace
      ? meta.namespace
      : "default";
  const outputs: Record<string, unknown> = {
    ...inputs,
    metadata: {
      ...meta,
      name: objectName,
      ...(namespace ? { namespace } : {}),
      uid: randomUUID(),
      resourceVersion: String(++resourceVersion),
      creationTimestamp: now.toISOString().replace(/\.\d{3}Z$/, "Z"),
      generation: 1,
    },
  };
  if (kind === "Job") {
    // The provider awaits a Job until it completes; a plan's Job succeeded at "now".
    const at = now.toISOString().replace(/\.\d{3}Z$/, "Z");
    outputs.status = {
      startTime: at,
      completionTime: at,
      succeeded: 1,
      conditions: [{ type: "Complete", status: "True", lastTransitionTime: at }],
    };
  }
  if (kind === "Secret" && inputs.apiVersion === "v1" && !patch) {
    const stringData = (inputs.stringData ?? {}) as Record<string, string>;
    const encoded = Object.fromEntries(
      Object.entries(stringData).map(([k, v]) => [k, Buffer.from(String(v)).toString("base64")]),
    );
    outputs.data = { ...((inputs.data ?? {}) as Record<string, string>), ...encoded };
    outputs.type = inputs.type ?? "Opaque";
  }
  return { id: namespace ? `${namespace}/${objectName}` : objectName, outputs };
};

/**
 * A Helm release as the provider reports it after a successful install: revision 1, status deployed, the chart and
 * version it was asked for, and `namespace/name` as id (auto-named like other objects when `name` is not set).
 */
const helmRelease: ResourceModel = (inputs, { name }) => {
  const releaseName =
    typeof inputs.name === "string" && inputs.name ? inputs.name : `${name}-${randomBytes(4).toString("hex")}`;
  const namespace = typeof inputs.namespace === "string" && inputs.namespace ? inputs.namespace : "default";
  return {
    id: `${namespace}/${releaseName}`,
    outputs: {
      ...inputs,
      name: releaseName,
      namespace,
      status: {
        name: releaseName,
        namespace,
        chart: inputs.chart,
        version: inputs.version,
        revision: 1,
        status: "deployed",
      },
    },
  };
};

/** Not plain objects: a model of their own is needed before a program may use them. */
const NOT_PLAIN = /^kubernetes:(helm\.sh\/v[34]:(Release|Chart)|yaml(\/v2)?:|kustomize(\/v2)?:)/;

export function kubernetesModel(type: string): ResourceModel | undefined {
  if (type === RESOURCE_TYPES.helmRelease) return helmRelease;
  return type.startsWith("kubernetes:") && !type.startsWith("kubernetes:pulumi:") && !NOT_PLAIN.test(type)
    ? kubernetesObject
    : undefined;
}
