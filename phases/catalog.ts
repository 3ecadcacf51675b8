/**
 * The five phases, one authority at a time. Pure data (no Pulumi), shared by config validation, the program's
 * dispatcher and the offline plan. Stacks are named `<cluster>-<phase id>`.
 */
export const PHASES = [
  {
    id: "root-trust",
    number: 0,
    authority: "offline-root",
    summary: "offline root of trust: root CA, intermediate signing, SOPS recipients",
  },
  {
    id: "gitops",
    number: 1,
    authority: "git",
    summary: "GitOps control plane that decrypts encrypted manifests in-cluster",
  },
  {
    id: "bootstrap",
    number: 2,
    authority: "git",
    summary: "bootstrap secrets materialized, labelled, scoped, temporary",
  },
  { id: "runtime-authority", number: 3, authority: "vault", summary: "Vault as runtime authority, and the handover" },
  { id: "steady-state", number: 4, authority: "vault", summary: "ExternalSecrets, PushSecrets, issuers and rotation" },
] as const;

export type PhaseId = (typeof PHASES)[number]["id"];
export type Phase = (typeof PHASES)[number];
export const PHASE_IDS = PHASES.map((p) => p.id) as [PhaseId, ...PhaseId[]];

export function phaseById(id: PhaseId): Phase {
  return PHASES.find((p) => p.id === id)!;
}

export function stackName(cluster: string, phase: PhaseId): string {
  return `${cluster}-${phase}`;
}
