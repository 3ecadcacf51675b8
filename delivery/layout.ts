import type { Registry } from "../registry/load.js";
import { isCertificatePurpose, type RegisteredPurpose } from "../registry/purpose.js";
import type { Consumer } from "../registry/schema.js";
import { approvalPolicy } from "./certificates.js";
import { issuerOf, type IssuerLayout } from "./issuers/index.js";
import { mechanismOf } from "./mechanisms/index.js";
import { passwordGenerator } from "./mechanisms/push-secret/generator.js";
import { consumerNamespaces } from "./objects.js";
import { secretStore, secretStoreName, type StoreLayout } from "./stores.js";
import { trustBundle } from "./trust-bundle.js";
import type { CustomResourceSpec, Delivered } from "./types.js";

/**
 * The steady state of a registry, derived from the contracts alone (pure, no Pulumi): what each purpose's delivery
 * mechanism registers (`mechanisms/`), the stores those read and write Vault through, an issuer and approval policy
 * per certificate purpose, the password generator and the trust bundle. The steady-state program only registers
 * what this returns; tests validate every object against the upstream CRD schemas.
 */

export interface PurposeDelivery extends Delivered {
  purpose: RegisteredPurpose;
}

/** A certificate purpose's issuer, and the approver-policy CertificateRequestPolicy deciding which requests it signs. */
export interface PlannedIssuer extends IssuerLayout {
  approval: CustomResourceSpec;
}

export interface SteadyStateLayout {
  /** One ClusterSecretStore per consumer identity that ESO reads or writes Vault as. */
  stores: StoreLayout[];
  issuers: PlannedIssuer[];
  /** The cluster-wide Password generator, when some purpose is pushed. */
  passwordGenerator?: CustomResourceSpec;
  deliveries: PurposeDelivery[];
  trustBundle: CustomResourceSpec;
  /** Every namespace with a consumer: the trust bundle lands in each. */
  consumerNamespaces: string[];
}

export interface SteadyStateSettings {
  /** Vault's in-cluster address (the active node's service). */
  vaultServer: string;
  /** The phase-0 root certificate: Vault's TLS chains to it, and the trust bundle distributes it. */
  rootCertificatePem: string;
}

export function steadyStateLayout(registry: Registry, settings: SteadyStateSettings): SteadyStateLayout {
  const caBundle = Buffer.from(settings.rootCertificatePem).toString("base64");
  const storesUsed = new Map<string, Consumer>();
  const store = (c: Consumer): string => {
    storesUsed.set(secretStoreName(c), c);
    return secretStoreName(c);
  };
  const deliveries = registry.purposes.map((purpose) => ({
    purpose,
    ...mechanismOf(purpose).deliver(purpose, { store }),
  }));
  const stores = [...storesUsed.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([, c]) => secretStore(c, settings.vaultServer, caBundle));
  const issuers = registry.purposes.filter(isCertificatePurpose).map((p) => ({
    ...issuerOf(p).issuer(p, { vaultServer: settings.vaultServer, caBundle }),
    approval: approvalPolicy(p),
  }));
  const namespaces = [...new Set(registry.purposes.flatMap(consumerNamespaces))].sort();
  const pushed = registry.purposes.some((p) => p.delivery === "push-secret");
  return {
    stores,
    issuers,
    ...(pushed ? { passwordGenerator: passwordGenerator() } : {}),
    deliveries,
    trustBundle: trustBundle(settings.rootCertificatePem, namespaces),
    consumerNamespaces: namespaces,
  };
}
