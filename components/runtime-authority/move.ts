import * as pulumi from "@pulumi/pulumi";
import { MOVE_SCRIPT } from "../../vault/move-script.js";
import type { KvMoveLayout } from "../../vault/moves.js";
import type { MoveRecord } from "../../phases/outputs.js";
import { LABEL, platformLabels } from "../../registry/labels.js";
import { vaultCliJob, type VaultCliJobServer } from "./vault-cli-job.js";

/** Arguments for {@link MoveKvValue}. */
export interface MoveKvValueArgs extends VaultCliJobServer {
  move: KvMoveLayout;
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

    const { job } = vaultCliJob(
      name,
      {
        namespace: m.namespace,
        jobName: m.jobName,
        labels,
        policy: m.policy,
        role: m.role,
        authPath: args.authPath,
        image: args.image,
        cli: args.cli,
        vaultAddress: args.vaultAddress,
        caConfigMap: args.caConfigMap,
        container: "move",
        script: MOVE_SCRIPT,
        env: [
          { name: "FROM_PATH", value: m.from.path },
          { name: "TO_PATH", value: m.to.path },
        ],
        dependsOn: args.dependsOn,
      },
      children,
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
