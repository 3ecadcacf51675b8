import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { basename, dirname } from "node:path/posix";
import type { AclPolicy } from "../../vault/acl.js";
import { HANDOVER_PATHS } from "../../vault/handover-script.js";
import { MOUNTS, VAULT_AUDIENCE } from "../../vault/paths.js";
import { consumerPolicy } from "./access.js";

/**
 * The variable the Jobs' scripts read their CLI's name from (`vault` unless set). The Job sets it for either
 * distribution; VAULT_ADDR and VAULT_CACERT serve both, since the bao CLI falls back to the VAULT_ name of every
 * BAO_ variable it reads.
 */
export const HANDOVER_CLI_ENV = "VAULT_CLI";

/** The user and group the Jobs run as: the server image's own (uid 100 and gid 1000 in both distributions' images). */
const JOB_USER = 100;
const JOB_GROUP = 1000;

/** What every one-shot Vault CLI Job needs of the server it reaches, and of the stack it runs in. */
export interface VaultCliJobServer {
  authPath: pulumi.Input<string>;
  /** The server's own image (its CLI matches the server), and that CLI's name (`bao` for OpenBao, `vault` for Vault). */
  image: string;
  cli: "bao" | "vault";
  /** Vault's in-cluster address, and the ConfigMap (in the Job's namespace) holding the CA that signed it. */
  vaultAddress: string;
  caConfigMap: pulumi.Input<string>;
  /** What the Vault role and policy wait for (the auth mount, the KV mount). */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/** Arguments for {@link vaultCliJob}. */
export interface VaultCliJobArgs extends VaultCliJobServer {
  /** Where the Job, its ServiceAccount and its Kubernetes auth role's binding live. */
  namespace: string;
  /** The Job's and its ServiceAccount's name. */
  jobName: string;
  labels: Record<string, string>;
  /** The Vault policy of the Job's own identity: exactly what its script reads and writes. */
  policy: AclPolicy;
  /** The Kubernetes auth role the script logs in with (the `ROLE` it reads). */
  role: string;
  /** The container's name and the shell script it runs. */
  container: string;
  script: string;
  /** The script's own variables, beside the address, CA, auth path, role, KV mount and CLI every Job gets. */
  env: { name: string; value: string }[];
  /** A Secret the script reads, mounted read-only at `mountPath`. @default none */
  input?: { secretName: string; mountPath: string };
}

/**
 * A one-shot Job that runs a script with the Vault CLI as its own identity: a ServiceAccount with no Kubernetes API
 * token, a projected token for Vault's audience only, a Vault role and policy of its own (5-minute tokens), the
 * server's CA, memory-only scratch space, and a non-root, read-only, capability-free container. The handover and the
 * move are such Jobs; their pods are laid out alike, so one test of how the kubelet mounts them covers both.
 */
export function vaultCliJob(
  name: string,
  args: VaultCliJobArgs,
  opts: pulumi.CustomResourceOptions,
): { job: k8s.batch.v1.Job; access: ReturnType<typeof consumerPolicy>; account: k8s.core.v1.ServiceAccount } {
  const { namespace, jobName, labels } = args;
  const access = consumerPolicy(
    `${name}-access`,
    { policy: args.policy, namespace, serviceAccount: jobName, authPath: args.authPath, tokenTtlSeconds: 300 },
    { ...opts, dependsOn: args.dependsOn },
  );
  const account = new k8s.core.v1.ServiceAccount(
    `${name}-account`,
    { metadata: { name: jobName, namespace, labels }, automountServiceAccountToken: false },
    opts,
  );
  const caDir = `/${args.container}/ca`;
  const job = new k8s.batch.v1.Job(
    `${name}-job`,
    {
      metadata: { name: jobName, namespace, labels },
      spec: {
        backoffLimit: 2,
        activeDeadlineSeconds: 600,
        template: {
          metadata: { labels },
          spec: {
            serviceAccountName: jobName,
            // No Kubernetes API token: the only credential is a projected token for Vault's audience.
            automountServiceAccountToken: false,
            restartPolicy: "Never",
            securityContext: {
              runAsNonRoot: true,
              runAsUser: JOB_USER,
              runAsGroup: JOB_GROUP,
              // The kubelet writes Secret files owned by root: without an fsGroup a non-root Job cannot read its
              // own input. fsGroup is the Job's own group, so its process gains no group it did not have; the
              // Secret's files become root:<that group> 0440, readable by the Job and by no other user.
              fsGroup: JOB_GROUP,
              seccompProfile: { type: "RuntimeDefault" },
            },
            containers: [
              {
                name: args.container,
                image: args.image,
                command: ["/bin/sh", "-c", args.script],
                env: [
                  { name: HANDOVER_CLI_ENV, value: args.cli },
                  { name: "VAULT_ADDR", value: args.vaultAddress },
                  { name: "VAULT_CACERT", value: `${caDir}/ca.crt` },
                  { name: "AUTH_PATH", value: args.authPath },
                  { name: "ROLE", value: args.role },
                  { name: "KV_MOUNT", value: MOUNTS.kv },
                  ...args.env,
                  { name: "HOME", value: HANDOVER_PATHS.tmpDir },
                ],
                securityContext: {
                  allowPrivilegeEscalation: false,
                  readOnlyRootFilesystem: true,
                  capabilities: { drop: ["ALL"] },
                },
                volumeMounts: [
                  ...(args.input ? [{ name: "value", mountPath: args.input.mountPath, readOnly: true }] : []),
                  { name: "vault-token", mountPath: dirname(HANDOVER_PATHS.tokenFile), readOnly: true },
                  { name: "ca", mountPath: caDir, readOnly: true },
                  // Values pass through here: memory only, gone with the pod.
                  { name: "tmp", mountPath: HANDOVER_PATHS.tmpDir },
                ],
              },
            ],
            volumes: [
              // 0440 is what the kubelet makes of any mode under an fsGroup (it adds group read); said as it is.
              ...(args.input
                ? [{ name: "value", secret: { secretName: args.input.secretName, defaultMode: 0o440 } }]
                : []),
              {
                name: "vault-token",
                projected: {
                  sources: [
                    {
                      serviceAccountToken: {
                        path: basename(HANDOVER_PATHS.tokenFile),
                        audience: VAULT_AUDIENCE,
                        expirationSeconds: 600,
                      },
                    },
                  ],
                },
              },
              { name: "ca", configMap: { name: args.caConfigMap } },
              { name: "tmp", emptyDir: { medium: "Memory" } },
            ],
          },
        },
      },
    },
    // The provider waits for the Job to complete and fails the update if it does not.
    { ...opts, dependsOn: [access.policy, access.role, account] },
  );
  return { job, access, account };
}
