import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { HANDOVER_PATHS, HANDOVER_SCRIPT } from "../../vault/handover-script.js";
import type { HandoverLayout, KvSecretLayout } from "../../vault/layout.js";
import { vaultCliJob, type VaultCliJobServer } from "./vault-cli-job.js";
import { kvSecretMetadata } from "./kv-engine.js";
import { FLUX_PRUNE, FLUX_RECONCILE } from "../../gitops/flux.js";
import type { HandoverRecord } from "../../phases/outputs.js";
import { ANNOTATION, LABEL, platformLabels } from "../../registry/labels.js";

/** Arguments for {@link HandoverToVault}. */
export interface HandoverToVaultArgs extends VaultCliJobServer {
  handover: HandoverLayout;
  /** The KV secret the value lands in (its metadata is written after the value). */
  secret: KvSecretLayout;
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

    const { job } = vaultCliJob(
      name,
      {
        namespace: h.namespace,
        jobName: h.jobName,
        labels,
        policy: h.policy,
        role: h.role,
        authPath: args.authPath,
        image: args.image,
        cli: args.cli,
        vaultAddress: args.vaultAddress,
        caConfigMap: args.caConfigMap,
        container: "handover",
        script: HANDOVER_SCRIPT,
        env: [
          { name: "KV_PATH", value: h.kvPath },
          { name: "SECRET", value: `${h.namespace}/${h.secretName}` },
        ],
        input: { secretName: h.secretName, mountPath: HANDOVER_PATHS.valueDir },
        dependsOn: args.dependsOn,
      },
      children,
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
