/**
 * Names Flux and the platform agree on, shared by the gitops and bootstrap programs, the handover and the checks
 * (pure: no Pulumi).
 */

/** The Secret key Flux's kustomize-controller reads an age identity from: the name must end in `.agekey`. */
export const AGE_KEY_ENTRY = "identity.agekey";
/** The name of the Secret that holds the SOPS decryption key in the Flux namespace. */
export const DECRYPTION_SECRET = "sops-age";
/** The GitRepository every bootstrap Kustomization reads. */
export const PLATFORM_REPOSITORY = "platform";

/** Flux's own annotations: with these on the in-cluster object, kustomize-controller neither applies nor prunes it. */
export const FLUX_RECONCILE = "kustomize.toolkit.fluxcd.io/reconcile";
export const FLUX_PRUNE = "kustomize.toolkit.fluxcd.io/prune";
