import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { certificateFingerprint } from "../../pki/x509.js";
import { CA_KEY_USAGES, type RootCertificateAuthority } from "./root-ca.js";

/** Arguments for {@link SignedIntermediateCa}. */
export interface SignedIntermediateCaArgs {
  /** The root that signs. */
  root: RootCertificateAuthority;
  /** The intermediate's CSR, PEM, as the runtime-authority stack published it (already inspected). */
  csrPem: string;
  /** Validity of the signed intermediate, in days (shorter than the root's). */
  validityDays: number;
}

/**
 * One step of the signing ceremony: the offline root signs an intermediate CA from its CSR. The signed certificate is
 * protected like the root (replacing it would re-key every issuer built on it) and is published with its chain.
 */
export class SignedIntermediateCa extends pulumi.ComponentResource {
  /** The signed intermediate certificate, PEM. */
  public readonly certificatePem: pulumi.Output<string>;
  /** Intermediate then root, PEM: what Vault's `set-signed` and TLS clients need. */
  public readonly chainPem: pulumi.Output<string>;
  /** RFC 3339 not-after of the intermediate. */
  public readonly notAfter: pulumi.Output<string>;
  /** SHA-256 fingerprint of the intermediate. */
  public readonly fingerprintSha256: pulumi.Output<string>;

  constructor(name: string, args: SignedIntermediateCaArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:root-trust:SignedIntermediateCa", name, {}, opts);
    const cert = new tls.LocallySignedCert(
      `${name}-cert`,
      {
        certRequestPem: args.csrPem,
        caPrivateKeyPem: args.root.signingKeyPem,
        caCertPem: args.root.certificatePem,
        isCaCertificate: true,
        validityPeriodHours: args.validityDays * 24,
        earlyRenewalHours: 0,
        allowedUses: CA_KEY_USAGES,
        setSubjectKeyId: true,
      },
      { parent: this, protect: true },
    );
    this.certificatePem = cert.certPem;
    this.chainPem = pulumi.interpolate`${cert.certPem.apply((p) => p.trimEnd())}\n${args.root.certificatePem}`;
    this.notAfter = cert.validityEndTime;
    this.fingerprintSha256 = cert.certPem.apply(certificateFingerprint);
    this.registerOutputs({ certificatePem: this.certificatePem, notAfter: this.notAfter });
  }
}
