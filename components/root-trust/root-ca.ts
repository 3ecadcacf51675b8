import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { certificateFingerprint, certificateSubject } from "../../pki/x509.js";

/** Arguments for {@link RootCertificateAuthority}. */
export interface RootCertificateAuthorityArgs {
  /** Subject common name of the root certificate. */
  commonName: string;
  /** Subject organization of the root certificate. */
  organization: string;
  /** Validity of the root certificate, in days. */
  validityDays: number;
  /**
   * Key algorithm.
   * @default "ECDSA"
   */
  keyAlgorithm?: "ECDSA" | "RSA";
  /**
   * ECDSA curve, when `keyAlgorithm` is ECDSA.
   * @default "P384"
   */
  ecdsaCurve?: "P256" | "P384" | "P521";
  /**
   * RSA key size, when `keyAlgorithm` is RSA.
   * @default 4096
   */
  rsaBits?: 3072 | 4096;
}

/** The CA key usages: sign certificates and CRLs, nothing else. */
export const CA_KEY_USAGES = ["cert_signing", "crl_signing", "digital_signature"];

/**
 * The offline root CA: a private key and a self-signed CA certificate. Both are protected, so neither deletion nor a
 * replacement (a changed subject, validity or algorithm) can silently mint a new root: the engine refuses, and a new
 * root is a deliberate ceremony. The private key is exposed to this stack's signing ceremony only, never as an output.
 */
export class RootCertificateAuthority extends pulumi.ComponentResource {
  /** The root certificate, PEM. Public. */
  public readonly certificatePem: pulumi.Output<string>;
  /** RFC 3339 not-after of the root certificate. */
  public readonly notAfter: pulumi.Output<string>;
  /** SHA-256 fingerprint of the root certificate (`AB:CD:...`). */
  public readonly fingerprintSha256: pulumi.Output<string>;
  /** Subject of the root certificate, as encoded. */
  public readonly subject: pulumi.Output<string>;
  /** The root private key (secret). Only {@link SignedIntermediateCa} in this stack may read it. */
  public readonly signingKeyPem: pulumi.Output<string>;

  constructor(name: string, args: RootCertificateAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:root-trust:RootCertificateAuthority", name, {}, opts);
    const algorithm = args.keyAlgorithm ?? "ECDSA";
    // Trust material: protected against deletion and replacement alike.
    const keep = { parent: this, protect: true };
    const key = new tls.PrivateKey(
      `${name}-key`,
      algorithm === "ECDSA"
        ? { algorithm, ecdsaCurve: args.ecdsaCurve ?? "P384" }
        : { algorithm, rsaBits: args.rsaBits ?? 4096 },
      keep,
    );
    const cert = new tls.SelfSignedCert(
      `${name}-cert`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: args.commonName, organization: args.organization },
        isCaCertificate: true,
        // Root -> Vault intermediate -> leaf: one CA may follow the root, no more.
        maxPathLength: 1,
        validityPeriodHours: args.validityDays * 24,
        // No early renewal: a root is renewed by ceremony, never by a plan that happens to run late.
        earlyRenewalHours: 0,
        allowedUses: CA_KEY_USAGES,
        setSubjectKeyId: true,
      },
      keep,
    );
    this.certificatePem = cert.certPem;
    this.notAfter = cert.validityEndTime;
    this.fingerprintSha256 = cert.certPem.apply(certificateFingerprint);
    this.subject = cert.certPem.apply(certificateSubject);
    this.signingKeyPem = pulumi.secret(key.privateKeyPem);
    this.registerOutputs({
      certificatePem: this.certificatePem,
      notAfter: this.notAfter,
      fingerprintSha256: this.fingerprintSha256,
    });
  }
}
