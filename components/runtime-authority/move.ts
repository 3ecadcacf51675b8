import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { MOVE_SCRIPT } from "../../vault/move-script.js";
import type { KvMoveLayout } from "../../vault/moves.js";
import { MOUNTS, VAULT_AUDIENCE } from "../../vault/paths.js";
import type { MoveRecord } from "../../phases/outputs.js";
import { LABEL, platformLabels } from "../../registry/labels.js";
import { consumerPolicy } from "./access.js";
import { HANDOVER_CLI_ENV } from "./handover.js";

/** Arguments for {@link MoveKvValue}. */
export interface MoveKvValueArgs {
  move: KvMoveLayout;
  authPath: pulumi.Input<string>;
  /** Vault's in-cluster address, and the ConfigMap (in Vault's namespace) holding the CA that signed it. */
  vaultAddress: string;
  caConfigMap: pulumi.Input<string>;
  /** The server's own image (its CLI matches the server), and that CLI's name. */
  image: string;
  cli: "bao" | "vault";
  /** Mounts and auth the Job needs. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The move of one purpose's KV value to the path its new owner or id gives it (its contract's `movedFrom`): a
 * one-shot Job in Vault's namespace logs in as its own service account, whose role may read only the old secret and
 * write only the new one, and copies every live version in order with check-and-set (vault/move-script.ts). The old
 * secret stays where it is. If the Job fails, `pulumi up` fails there and everything that waits for the value
 * (the new secret's handover, the stack's outputs) is not registered; a rerun resumes where it stopped. Re-running
 * after it finished changes nothing: the Job's inputs are stable, and a re-created Job finds the versions copied.
 * The identity lasts as long as `movedFrom`: removing the field removes the Job, its role and its policy.
 */
export class MoveKvValue extends pulumi.ComponentResource {
  /** The move record, as published in the stack outputs. */
  public readonly record: pulumi.Output<MoveRecord>;
  /** The Job: what must wait for the value to be at its new path. */
  public readonly done: pulumi.Resource;

  constructor(name: string, args: MoveKvValueArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:runtime-authority:MoveKvValue", name, {}, opts);
    const m = args.move;
    const children = { parent: this };
    const labels = { ...platformLabels("runtime-authority"), [LABEL.moves]: m.purpose };

    const access = consumerPolicy(
      `${name}-access`,
      {
        policy: m.policy,
        namespace: m.namespace,
        serviceAccount: m.jobName,
        authPath: args.authPath,
        tokenTtlSeconds: 300,
      },
      { ...children, dependsOn: args.dependsOn },
    );
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-account`,
      { metadata: { name: m.jobName, namespace: m.namespace, labels }, automountServiceAccountToken: false },
      children,
    );
    const job = new k8s.batch.v1.Job(
      `${name}-job`,
      {
        metadata: { name: m.jobName, namespace: m.namespace, labels },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 600,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: m.jobName,
              // No Kubernetes API token: the only credential is a projected token for Vault's audience.
              automountServiceAccountToken: false,
              restartPolicy: "Never",
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 100,
                runAsGroup: 1000,
                seccompProfile: { type: "RuntimeDefault" },
              },
              containers: [
                {
                  name: "move",
                  image: args.image,
                  command: ["/bin/sh", "-c", MOVE_SCRIPT],
                  env: [
                    { name: HANDOVER_CLI_ENV, value: args.cli },
                    { name: "VAULT_ADDR", value: args.vaultAddress },
                    { name: "VAULT_CACERT", value: "/move/ca/ca.crt" },
                    { name: "AUTH_PATH", value: args.authPath },
                    { name: "ROLE", value: m.role },
                    { name: "KV_MOUNT", value: MOUNTS.kv },
                    { name: "FROM_PATH", value: m.from.path },
                    { name: "TO_PATH", value: m.to.path },
                    { name: "HOME", value: "/tmp" },
                  ],
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  volumeMounts: [
                    { name: "vault-token", mountPath: "/var/run/secrets/vault", readOnly: true },
                    { name: "ca", mountPath: "/move/ca", readOnly: true },
                    // The values pass through here: memory only, gone with the pod.
                    { name: "tmp", mountPath: "/tmp" },
                  ],
                },
              ],
              volumes: [
                {
                  name: "vault-token",
                  projected: {
                    sources: [
                      { serviceAccountToken: { path: "token", audience: VAULT_AUDIENCE, expirationSeconds: 600 } },
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
      { ...children, dependsOn: [access.policy, access.role, account] },
    );
    this.done = job;
    const by = `Job ${m.namespace}/${m.jobName} (Vault role ${m.role})`;
    this.record = job.status.apply((s): MoveRecord => ({
      purpose: m.purpose,
      status: "moved",
      from: m.from.dataPath,
      to: m.to.dataPath,
      by,
      at: s?.completionTime ?? "",
      oldPath: "left in place until movedFrom is removed from the contract",
    }));
    this.registerOutputs({ record: this.record });
  }
}
