import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import { aclViolations, renderAclPolicy, type AclPolicy } from "../../vault/acl.js";
import {
  KUBERNETES_AUTH_PATH,
  LOGIN_TOKEN_MAX_TTL_SECONDS,
  LOGIN_TOKEN_TTL_SECONDS,
  VAULT_AUDIENCE,
} from "../../vault/paths.js";

/**
 * The Kubernetes auth method. Vault runs in the cluster, so it reviews service account tokens with its own
 * (short-lived, projected) token and the in-cluster CA; no reviewer JWT is stored in Vault or Pulumi. Protected:
 * removing it would lock every consumer out at once.
 */
export class KubernetesAuth extends pulumi.ComponentResource {
  public readonly path: pulumi.Output<string>;
  public readonly accessor: pulumi.Output<string>;

  constructor(name: string, args: Record<string, never> = {}, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:runtime-authority:KubernetesAuth", name, args, opts);
    const backend = new vault.AuthBackend(
      `${name}-backend`,
      {
        type: "kubernetes",
        path: KUBERNETES_AUTH_PATH,
        description: "Workload identities of the purpose registry's consumers",
      },
      { parent: this, protect: true },
    );
    const config = new vault.kubernetes.AuthBackendConfig(
      `${name}-config`,
      { backend: backend.path, kubernetesHost: "https://kubernetes.default.svc", disableLocalCaJwt: false },
      { parent: this },
    );
    this.path = pulumi.all([backend.path, config.id]).apply(([path]) => path);
    this.accessor = backend.accessor;
    this.registerOutputs({ path: this.path, accessor: this.accessor });
  }
}

/** Arguments for {@link consumerPolicy}. */
export interface ConsumerPolicyArgs {
  /** The policy, already derived from the registry (see `vault/acl.ts`). */
  policy: AclPolicy;
  /** The service account allowed to log in with it. */
  namespace: string;
  serviceAccount: string;
  /** The Kubernetes auth mount path. */
  authPath: pulumi.Input<string>;
  /** @default LOGIN_TOKEN_TTL_SECONDS (15 minutes) */
  tokenTtlSeconds?: number;
}

/**
 * One Vault ACL policy and one Kubernetes auth role for one identity: the policy grants exactly the rules derived
 * from its purposes, the role binds it to one service account in one namespace, with short-lived tokens that
 * carry no other policy (not even `default`). Two resources and no component of its own: identities number in
 * the thousands on a large platform, and every registered resource costs the engine (docs/performance.md).
 */
export function consumerPolicy(
  name: string,
  args: ConsumerPolicyArgs,
  opts: pulumi.CustomResourceOptions,
): { policy: vault.Policy; role: vault.kubernetes.AuthBackendRole } {
  const violations = aclViolations(args.policy);
  // The derivation cannot produce these; if it ever does, nothing is registered with a broader grant.
  if (violations.length > 0)
    throw new Error(`policy ${args.policy.name} breaks the platform's ACL rules:\n  ${violations.join("\n  ")}`);
  const policy = new vault.Policy(
    `${name}-policy`,
    { name: args.policy.name, policy: renderAclPolicy(args.policy) },
    opts,
  );
  const ttl = args.tokenTtlSeconds ?? LOGIN_TOKEN_TTL_SECONDS;
  const role = new vault.kubernetes.AuthBackendRole(
    `${name}-role`,
    {
      backend: args.authPath,
      roleName: args.policy.name,
      boundServiceAccountNames: [args.serviceAccount],
      boundServiceAccountNamespaces: [args.namespace],
      audience: VAULT_AUDIENCE,
      tokenPolicies: [policy.name],
      tokenNoDefaultPolicy: true,
      tokenTtl: ttl,
      tokenMaxTtl: Math.max(ttl, LOGIN_TOKEN_MAX_TTL_SECONDS),
      tokenType: "service",
    },
    opts,
  );
  return { policy, role };
}

/** Arguments for {@link ConsumerPolicies}. */
export interface ConsumerPoliciesArgs {
  /** Every identity that logs in to Vault, each with its policy (consumers and the ClusterIssuers' identities). */
  identities: readonly (Omit<ConsumerPolicyArgs, "authPath"> & { role: string })[];
  /** The Kubernetes auth mount path. */
  authPath: pulumi.Input<string>;
}

/** The policy and Kubernetes auth role of every identity (see {@link consumerPolicy}), named after its role. */
export class ConsumerPolicies extends pulumi.ComponentResource {
  constructor(name: string, args: ConsumerPoliciesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:runtime-authority:ConsumerPolicies", name, {}, opts);
    for (const { role, ...identity } of args.identities)
      consumerPolicy(role, { ...identity, authPath: args.authPath }, { parent: this });
    this.registerOutputs({});
  }
}
