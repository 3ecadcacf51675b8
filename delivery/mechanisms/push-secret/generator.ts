import { toGoDuration } from "../../../registry/duration.js";
import { platformLabels, purposeLabels } from "../../../registry/labels.js";
import type { PushSecretPurpose } from "../../../registry/purpose.js";
import { kvSecretPath } from "../../../vault/paths.js";
import { API_VERSION, objectMetadata } from "../../objects.js";
import { generationIntervalSeconds } from "../../timing.js";
import type { CustomResourceSpec } from "../../types.js";

/**
 * The one cluster-wide Password generator every push-secret purpose's generator ExternalSecret uses. Each invocation
 * makes a fresh value for the ExternalSecret that invoked it (ESO), so sharing the definition shares no value.
 */
export const PASSWORD_GENERATOR = "secrets-platform-password";

/**
 * The keys of a generated value in Vault and in every consumer's Secret. A value is `next` for one period (accepted,
 * not yet used), then `current` (used to sign or encrypt), then `previous` (still accepted). Consumers use `current`
 * and accept all three, so two consumers that refreshed at different moments within a period still accept each
 * other's values: rotation causes no outage (ESO #6911 asks for this; ESO has no built-in way).
 */
export const GENERATED_KEYS = { next: "next", current: "current", previous: "previous" } as const;
/** Where the generator ExternalSecret reads what Vault holds before a rotation (never written anywhere). */
const FROM_VAULT = { next: "vaultNext", current: "vaultCurrent" } as const;

/** The Secret a push-secret purpose's generator writes in the writer's namespace: the PushSecret's source. */
export function generatedSecretName(p: Pick<PushSecretPurpose, "id">): string {
  return `${p.id}-generated`;
}

/** The ESO ExternalSecret that runs a push-secret purpose's generator. */
export function generatorExternalSecretName(p: Pick<PushSecretPurpose, "id">): string {
  return `${p.id}-generator`;
}

/**
 * The generator of push-secret values: a fresh random value each time a generator ExternalSecret refreshes. One
 * definition for the cluster, not one per purpose: every purpose asks for the same kind of value, and it holds none.
 */
export function passwordGenerator(): CustomResourceSpec {
  return {
    apiVersion: API_VERSION.generators,
    kind: "ClusterGenerator",
    metadata: objectMetadata(PASSWORD_GENERATOR, platformLabels("steady-state")),
    spec: {
      kind: "Password",
      generator: { passwordSpec: { length: 64, digits: 10, symbols: 0, noUpper: false, allowRepeat: true } },
    },
  };
}

/**
 * Rotation without Git: once per rotation period this ExternalSecret regenerates in the writer's namespace. The
 * generator's new value becomes `next`, Vault's `next` becomes `current` and Vault's `current` becomes `previous`
 * (read as the writer). On the first run Vault holds nothing: `deletionPolicy: Merge` skips the missing keys
 * instead of failing, and every slot starts with the new value.
 */
export function generatorExternalSecret(
  p: PushSecretPurpose,
  namespace: string,
  storeName: string,
): CustomResourceSpec {
  const key = kvSecretPath(p);
  const labels = purposeLabels(p, "steady-state", "vault");
  return {
    apiVersion: API_VERSION.externalSecrets,
    kind: "ExternalSecret",
    metadata: objectMetadata(generatorExternalSecretName(p), labels, namespace),
    spec: {
      secretStoreRef: { kind: "ClusterSecretStore", name: storeName },
      refreshPolicy: "Periodic",
      refreshInterval: toGoDuration(generationIntervalSeconds(p.rotation)),
      target: {
        name: generatedSecretName(p),
        creationPolicy: "Owner",
        deletionPolicy: "Merge",
        template: {
          engineVersion: "v2",
          mergePolicy: "Replace",
          metadata: { labels },
          data: {
            [GENERATED_KEYS.next]: "{{ .password }}",
            [GENERATED_KEYS.current]: `{{ index . "${FROM_VAULT.next}" | default .password }}`,
            [GENERATED_KEYS.previous]: `{{ index . "${FROM_VAULT.current}" | default (index . "${FROM_VAULT.next}") | default .password }}`,
          },
        },
      },
      dataFrom: [
        {
          sourceRef: {
            generatorRef: { apiVersion: API_VERSION.generators, kind: "ClusterGenerator", name: PASSWORD_GENERATOR },
          },
        },
      ],
      data: [
        { secretKey: FROM_VAULT.next, remoteRef: { key, property: GENERATED_KEYS.next } },
        { secretKey: FROM_VAULT.current, remoteRef: { key, property: GENERATED_KEYS.current } },
      ],
    },
  };
}

/**
 * Whether an object draws its values from a generator (an ExternalSecret's `dataFrom[].sourceRef.generatorRef`):
 * such an ExternalSecret makes a value rather than delivering one, and waits for the generator.
 */
export function drawsFromGenerator(object: Pick<CustomResourceSpec, "spec">): boolean {
  const dataFrom =
    (object.spec as { dataFrom?: { sourceRef?: { generatorRef?: unknown } }[] } | undefined)?.dataFrom ?? [];
  return dataFrom.some((d) => d.sourceRef?.generatorRef !== undefined);
}
