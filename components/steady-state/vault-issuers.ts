import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { PlannedIssuer } from "../../delivery/layout.js";
import { platformLabels } from "../../registry/labels.js";
import { customResource } from "./custom-resource.js";

/** Arguments for {@link VaultIssuers}. */
export interface VaultIssuersArgs {
  /** One issuer and approval policy per certificate purpose, already planned (see `delivery/issuers/`). */
  issuers: readonly PlannedIssuer[];
  /** cert-manager's namespace (its cluster resource namespace) and its controller's service account. */
  namespace: string;
  certManagerServiceAccount: string;
  /** The service accounts that create CertificateRequests: cert-manager's (for Certificates) and csi-driver's. */
  requesters: readonly string[];
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * One ClusterIssuer per certificate purpose and one approver-policy CertificateRequestPolicy that decides which
 * requests it may sign. The ClusterIssuers of one owning team log in to Vault as that team's service account (one
 * account per team: vault/paths.ts issuerRoleName), whose Vault role may sign only for the team's PKI roles.
 * cert-manager may request tokens for exactly those service accounts (`serviceaccounts/token` `create`, by name);
 * the requesters may `use` exactly those policies (approver-policy evaluates only policies the requester is bound to).
 */
export class VaultIssuers extends pulumi.ComponentResource {
  constructor(name: string, args: VaultIssuersArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:steady-state:VaultIssuers", name, {}, opts);
    const labels = platformLabels("steady-state");
    // One account per owning team: its ClusterIssuers share it (vault/paths.ts issuerRoleName).
    const serviceAccounts = [...new Set(args.issuers.map((i) => i.serviceAccount))];
    const accounts = serviceAccounts.map(
      (sa) =>
        new k8s.core.v1.ServiceAccount(
          `${name}-${sa}`,
          { metadata: { name: sa, namespace: args.namespace, labels }, automountServiceAccountToken: false },
          { parent: this, dependsOn: args.dependsOn },
        ),
    );
    const role = new k8s.rbac.v1.Role(
      `${name}-token-requester`,
      {
        metadata: { name: "vault-issuer-token-requester", namespace: args.namespace, labels },
        rules: [
          { apiGroups: [""], resources: ["serviceaccounts/token"], resourceNames: serviceAccounts, verbs: ["create"] },
        ],
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    const binding = new k8s.rbac.v1.RoleBinding(
      `${name}-token-requester`,
      {
        metadata: { name: "vault-issuer-token-requester", namespace: args.namespace, labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
        subjects: [{ kind: "ServiceAccount", name: args.certManagerServiceAccount, namespace: args.namespace }],
      },
      { parent: this },
    );
    const use = new k8s.rbac.v1.ClusterRole(
      `${name}-policy-use`,
      {
        metadata: { name: "secrets-platform:certificaterequestpolicies:use", labels },
        rules: [
          {
            apiGroups: ["policy.cert-manager.io"],
            resources: ["certificaterequestpolicies"],
            resourceNames: args.issuers.map((i) => i.approval.metadata.name),
            verbs: ["use"],
          },
        ],
      },
      { parent: this, dependsOn: args.dependsOn },
    );
    const useBinding = new k8s.rbac.v1.ClusterRoleBinding(
      `${name}-policy-use`,
      {
        metadata: { name: "secrets-platform:certificaterequestpolicies:use", labels },
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: use.metadata.name },
        subjects: args.requesters.map((sa) => ({ kind: "ServiceAccount", name: sa, namespace: args.namespace })),
      },
      { parent: this },
    );
    // Policies first: a request the policy would refuse must never find an issuer without one.
    // Issuers hold trust: deleting one stops every renewal of its purpose, so they are protected. Each waits for its
    // own account and policy only: waiting for all of them would make the dependencies grow with the square of
    // the certificate purposes.
    const accountOf = new Map(serviceAccounts.map((sa, i) => [sa, accounts[i]!]));
    for (const i of args.issuers) {
      const policy = customResource(i.approval, { parent: this, dependsOn: [...args.dependsOn, useBinding] });
      customResource(i.resource, {
        parent: this,
        protect: true,
        dependsOn: [...args.dependsOn, accountOf.get(i.serviceAccount)!, binding, policy],
      });
    }
    this.registerOutputs({});
  }
}
