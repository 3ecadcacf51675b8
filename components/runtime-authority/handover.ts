import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { basename, dirname } from "node:path/posix";
import { HANDOVER_PATHS, HANDOVER_SCRIPT } from "../../vault/handover-script.js";
import type { HandoverLayout, KvSecretLayout } from "../../vault/layout.js";
import { MOUNTS, VAULT_AUDIENCE } from "../../vault/paths.js";
import { consumerPolicy } from "./access.js";
import { kvSecretMetadata } from "./kv-engine.js";
import { FLUX_PRUNE, FLUX_RECONCILE } from "../../gitops/flux.js";
import type { HandoverRecord } from "../../phases/outputs.js";
import { ANNOTATION, LABEL, platformLabels } from "../../registry/labels.js";

/**
 * The variable the handover script reads its CLI's name from (vault/handover-script.ts; default `vault`). The Job
 * sets it for either distribution; VAULT_ADDR and VAULT_CACERT serve both, since the bao CLI falls back to the VAULT_
 * name of every BAO_ variable it reads.
 */
export const HANDOVER_CLI_ENV = "VAULT_CLI";

/** The user and group the Job runs as: the server image's own (uid 100 and gid 1000 in both distributions' images). */
const JOB_USER = 100;
const JOB_GROUP = 1000;

/** Arguments for {@link HandoverToVault}. */
export interface HandoverToVaultArgs {
  handover: HandoverLayout;
  /** The KV secret the value lands in (its metadata is written after the value). */
  secret: KvSecretLayout;
  authPath: pulumi.Input<string>;
  /** Vault's in-cluster address, and the ConfigMap (in the Secret's namespace) holding the CA that signed it. */
  vaultAddress: string;
  caConfigMap: pulumi.Input<string>;
  /** The server's own image the Job runs (same distribution and version as the server: its CLI matches). */
  image: string;
  /** The CLI in that image (`bao` for OpenBao, `vault` for Vault). */
  cli: "bao" | "vault";
  /** Mounts and auth the Job needs. */
  dependsOn: pulumi.Input<pulumi.Resource>[];
}

/**
 * The handover of one bootstrap purpose to Vault, in three steps that each wait for the previous one:
 * 1. a one-shot Job in the Secret's namespace logs in with its own service account (a role allowed only to
 *    `create` this one KV secret) and copies the mounted Secret into Vault with cas=0 (write once, never overwrite);
 * 2. the KV metadata records purpose, owner, evidence and the handover (source, Job, completion time);
 * 3. the bootstrap Secret is rendered inert: labelled `authority: vault`, annotated with the record, and released
 *    by Flux (reconcile and prune disabled on the object), so nothing re-applies the bootstrap value over Vault's.
 * If the Job fails, `pulumi up` fails there: no metadata, no relabel, and the bootstrap Secret stays authoritative.
 * Re-running changes nothing: the Job's inputs are stable, and a re-created Job finds the value and writes nothing.
 */
export class HandoverToVault extends pulumi.ComponentResource {
  /** The handover record, as published in the stack outputs. */
  public readonly record: pulumi.Output<HandoverRecord>;

  constructor(name: string, args: HandoverToVaultArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:runtime-authority:HandoverToVault", name, {}, opts);
    const h = args.handover;
    const children = { parent: this };
    const labels = { ...platformLabels("runtime-authority"), [LABEL.purpose]: h.purpose, [LABEL.owner]: h.owner };

    const access = consumerPolicy(
      `${name}-access`,
      {
        policy: h.policy,
        namespace: h.namespace,
        serviceAccount: h.jobName,
        authPath: args.authPath,
        tokenTtlSeconds: 300,
      },
      { ...children, dependsOn: args.dependsOn },
    );
    const account = new k8s.core.v1.ServiceAccount(
      `${name}-account`,
      { metadata: { name: h.jobName, namespace: h.namespace, labels }, automountServiceAccountToken: false },
      children,
    );

    const job = new k8s.batch.v1.Job(
      `${name}-job`,
      {
        metadata: { name: h.jobName, namespace: h.namespace, labels },
        spec: {
          backoffLimit: 2,
          activeDeadlineSeconds: 600,
          template: {
            metadata: { labels },
            spec: {
              serviceAccountName: h.jobName,
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
                  name: "handover",
                  image: args.image,
                  command: ["/bin/sh", "-c", HANDOVER_SCRIPT],
                  env: [
                    { name: HANDOVER_CLI_ENV, value: args.cli },
                    { name: "VAULT_ADDR", value: args.vaultAddress },
                    { name: "VAULT_CACERT", value: "/handover/ca/ca.crt" },
                    { name: "AUTH_PATH", value: args.authPath },
                    { name: "ROLE", value: h.role },
                    { name: "KV_MOUNT", value: MOUNTS.kv },
                    { name: "KV_PATH", value: h.kvPath },
                    { name: "SECRET", value: `${h.namespace}/${h.secretName}` },
                    { name: "HOME", value: HANDOVER_PATHS.tmpDir },
                  ],
                  securityContext: {
                    allowPrivilegeEscalation: false,
                    readOnlyRootFilesystem: true,
                    capabilities: { drop: ["ALL"] },
                  },
                  volumeMounts: [
                    { name: "value", mountPath: HANDOVER_PATHS.valueDir, readOnly: true },
                    { name: "vault-token", mountPath: dirname(HANDOVER_PATHS.tokenFile), readOnly: true },
                    { name: "ca", mountPath: "/handover/ca", readOnly: true },
                    { name: "tmp", mountPath: HANDOVER_PATHS.tmpDir },
                  ],
                },
              ],
              volumes: [
                // 0440 is what the kubelet makes of any mode under an fsGroup (it adds group read); said as it is.
                { name: "value", secret: { secretName: h.secretName, defaultMode: 0o440 } },
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
      { ...children, dependsOn: [access.policy, access.role, account] },
    );

    const at = job.status.apply((s) => s?.completionTime ?? "");
    const by = `Job ${h.namespace}/${h.jobName} (Vault role ${h.role})`;
    const record = { "handover-source": `Secret ${h.namespace}/${h.secretName} from ${h.source}`, "handover-by": by };
    kvSecretMetadata(
      name,
      { secret: args.secret, extraMetadata: at.apply((when) => ({ ...record, "handover-at": when })) },
      { ...children, dependsOn: [job] },
    );

    new k8s.core.v1.SecretPatch(
      `${name}-inert`,
      {
        metadata: {
          name: h.secretName,
          namespace: h.namespace,
          labels: { [LABEL.authority]: "vault" },
          annotations: {
            [ANNOTATION.handedOverTo]: h.vaultDataPath,
            [ANNOTATION.handedOverAt]: at,
            [ANNOTATION.handedOverBy]: by,
            [FLUX_RECONCILE]: "disabled",
            [FLUX_PRUNE]: "disabled",
            // Flux (or the gitops stack) owns the authority label it first set; this patch takes it over.
            "pulumi.com/patchForce": "true",
          },
        },
      },
      { ...children, dependsOn: [job] },
    );

    this.record = at.apply((when): HandoverRecord => ({
      purpose: h.purpose,
      status: "handed-over",
      vaultPath: h.vaultDataPath,
      source: { secret: `${h.namespace}/${h.secretName}`, from: h.source },
      by,
      at: when,
      bootstrapSecret: "inert (authority: vault; Flux reconcile and prune disabled)",
    }));
    this.registerOutputs({ record: this.record });
  }
}
