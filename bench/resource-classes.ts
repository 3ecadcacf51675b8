import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import * as vault from "@pulumi/vault";

type ResourceClass = new (
  name: string,
  args: pulumi.Inputs,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.CustomResource;
const PACKAGES: Record<string, Record<string, unknown>> = { vault, tls, kubernetes: k8s };

/**
 * The provider SDK class that registers a type token, as the program's own code would construct it: a resource
 * class declares every output property of its type, and that (not the number of inputs set) is much of what one
 * registration costs. Kubernetes kinds without a class of their own (CRDs) are `apiextensions.CustomResource`.
 */
export function resourceClass(type: string): ResourceClass {
  const [pkg, module, name] = type.split(":") as [string, string, string];
  if (pkg === "pulumi" && module === "providers") return (PACKAGES[name] as { Provider: ResourceClass }).Provider;
  const root = PACKAGES[pkg];
  if (!root) throw new Error(`the bench has no provider package for ${type}`);
  const [group, version] = module.split("/") as [string, string];
  // vault:pkiSecret/secretBackendRole → vault.pkisecret; kubernetes:rbac.authorization.k8s.io/v1 → k8s.rbac.v1.
  const namespace =
    pkg === "kubernetes"
      ? (root[group.split(".")[0]!] as Record<string, Record<string, unknown>> | undefined)?.[version]
      : group === "index"
        ? root
        : root[group.toLowerCase()];
  const found = (namespace as Record<string, unknown> | undefined)?.[name] as
    (ResourceClass & { __pulumiType?: string }) | undefined;
  if (found?.__pulumiType === type) return found;
  if (pkg === "kubernetes") return k8s.apiextensions.CustomResource as unknown as ResourceClass;
  throw new Error(`the bench finds no class for ${type}`);
}
