import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { customResourceName } from "../../delivery/objects.js";
import type { CustomResourceSpec } from "../../delivery/types.js";

/** Registers a planned custom resource under its stable Pulumi name ({@link customResourceName}). */
export function customResource(
  spec: CustomResourceSpec,
  opts: pulumi.CustomResourceOptions,
): k8s.apiextensions.CustomResource {
  return new k8s.apiextensions.CustomResource(customResourceName(spec), { ...spec }, opts);
}
