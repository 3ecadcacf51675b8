import type { PhaseId } from "../phases/catalog.js";
import type { Purpose } from "./schema.js";

/**
 * Labels that make every object the platform materializes traceable to its contract (RFC: bootstrap secrets are
 * explicitly labelled and traceable). Keys are prefixed so they never collide with a workload's own labels.
 */
export const LABEL = {
  purpose: "secrets-platform/purpose",
  owner: "secrets-platform/owner",
  phase: "secrets-platform/phase",
  authority: "secrets-platform/authority",
  managedBy: "app.kubernetes.io/managed-by",
  /**
   * On a move Job and its service account (Vault's namespace): the purpose whose value it copies. Not `purpose`: a
   * move is platform work beside Vault, not a delivery of the purpose into a namespace of its consumers.
   */
  moves: "secrets-platform/moves",
} as const;

/** Annotations on materialized Secrets. */
export const ANNOTATION = {
  /** Where the value came from: the SOPS manifest path, or config:<key>. */
  source: "secrets-platform/source",
  /** On a bootstrap Secret after the handover: the Vault path that is now authoritative, when, and by what. */
  handedOverTo: "secrets-platform/handed-over-to",
  handedOverAt: "secrets-platform/handed-over-at",
  handedOverBy: "secrets-platform/handed-over-by",
  /** On a reveal-once Secret: delivered once, never refreshed or rewritten. */
  reveal: "secrets-platform/reveal",
} as const;

/** Who holds the truth for a materialized value: the Git intent (bootstrap) or Vault. */
export type Authority = "bootstrap" | "vault";

/** The labels of an object the platform manages in `phase`. */
export function platformLabels(phase: PhaseId): Record<string, string> {
  return { [LABEL.phase]: phase, [LABEL.managedBy]: "secrets-platform" };
}

/** The labels of a Secret that materializes `purpose`. */
export function purposeLabels(
  purpose: Pick<Purpose, "id" | "owner">,
  phase: PhaseId,
  authority: Authority,
): Record<string, string> {
  return {
    ...platformLabels(phase),
    [LABEL.purpose]: purpose.id,
    [LABEL.owner]: purpose.owner,
    [LABEL.authority]: authority,
  };
}
