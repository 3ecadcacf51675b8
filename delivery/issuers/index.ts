import type { CertificatePurpose } from "../../registry/purpose.js";
import type { CustomResourceSpec } from "../types.js";
import { vaultIssuer } from "./vault/index.js";

/**
 * The issuers certificate purposes can be signed by, one folder per issuer type (as cert-manager registers each
 * issuer type from its own package). Every certificate purpose is signed by Vault's PKI today; another type (an
 * ACME or a CA issuer) is a folder and a line here, and the compiler names every place that must handle it.
 */
export type IssuerType = "vault";

/** Settings every issuer type may use. */
export interface IssuerSettings {
  /** Vault's in-cluster address (the active node's service). */
  vaultServer: string;
  /** The phase-0 root certificate, base64-encoded as cert-manager's `caBundle` takes it. */
  caBundle: string;
}

/** One issuer of one certificate purpose: the ClusterIssuer, and the identity it signs as. */
export interface IssuerLayout {
  purpose: string;
  type: IssuerType;
  /** The ClusterIssuer cert-manager sends the purpose's requests to. */
  resource: CustomResourceSpec;
  /** The service account (in cert-manager's namespace) the ClusterIssuer authenticates as, and its Vault role. */
  serviceAccount: string;
  role: string;
  /** The endpoint that signs the purpose's requests. */
  signPath: string;
}

export interface CertificateIssuer {
  readonly type: IssuerType;
  /** The ClusterIssuer's name for a purpose: what Certificates and csi volumes refer to. */
  clusterIssuerName(p: Pick<CertificatePurpose, "id">): string;
  issuer(p: CertificatePurpose, settings: IssuerSettings): IssuerLayout;
}

export const ISSUERS: Readonly<Record<IssuerType, CertificateIssuer>> = { vault: vaultIssuer };

/** The issuer of a certificate purpose (Vault PKI for every purpose the registry can declare today). */
export function issuerOf(_p: CertificatePurpose): CertificateIssuer {
  return ISSUERS.vault;
}
