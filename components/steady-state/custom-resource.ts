import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import type { CustomResourceSpec } from "../../delivery/types.js";

/** Registers a planned custom resource; its Pulumi name is `<kind>-<namespace>-<name>` (lowercase), stable per object. */
export function customResource(
  spec: CustomResourceSpec,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  const name = [spec.kind.toLowerCase(), spec.metadata.namespace, spec.metadata.name].filter(Boolean).join("-");
  return new k8s.apiextensions.CustomResource(name, { ...spec }, opts);
}
