import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { platformLabels } from "../../registry/labels.js";

/** Arguments for {@link VaultTlsIntermediate}. */
export interface VaultTlsIntermediateArgs {
  /** Subject of the intermediate, e.g. "Demo Platform Vault TLS CA". */
  commonName: string;
  organization: string;
}

/**
 * The key and CSR of the intermediate CA that issues Vault's listener certificate. The root signs it in the
 * ceremony like any intermediate; its key is a secret of this stack (encrypted in state), protected because
 * replacing it re-keys Vault's TLS. Vault cannot issue its own listener certificate before it runs, hence a
 * dedicated intermediate rather than the Vault PKI mount.
 */
export class VaultTlsIntermediate extends pulumi.ComponentResource {
  public readonly csrPem: pulumi.Output<string>;
  public readonly privateKeyPem: pulumi.Output<string>;

  constructor(name: string, args: VaultTlsIntermediateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:runtime-authority:VaultTlsIntermediate", name, {}, opts);
    const key = new tls.PrivateKey(
      `${name}-key`,
      { algorithm: "ECDSA", ecdsaCurve: "P384" },
      { parent: this, protect: true },
    );
    const csr = new tls.CertRequest(
      `${name}-csr`,
      { privateKeyPem: key.privateKeyPem, subject: { commonName: args.commonName, organization: args.organization } },
      { parent: this },
    );
    this.csrPem = csr.certRequestPem;
    this.privateKeyPem = key.privateKeyPem;
    this.registerOutputs({ csrPem: this.csrPem });
  }
}

/** Arguments for {@link VaultListenerCertificate}. */
export interface VaultListenerCertificateArgs {
  namespace: pulumi.Input<string>;
  /** The Secret the chart mounts (tls.crt with chain, tls.key, ca.crt). */
  secretName: string;
  dnsNames: string[];
  /** The signed TLS intermediate (from the root-trust stack) and its key (from {@link VaultTlsIntermediate}). */
  issuerCertificatePem: pulumi.Input<string>;
  issuerPrivateKeyPem: pulumi.Input<string>;
  /** The root CA certificate: what clients of Vault trust. */
  rootCertificatePem: pulumi.Input<string>;
  /** @default 365 */
  validityDays?: number;
}

/** Vault's listener certificate, issued from the TLS intermediate and renewed by `pulumi up` a month before expiry. */
export class VaultListenerCertificate extends pulumi.ComponentResource {
  public readonly secretName: pulumi.Output<string>;
  public readonly notAfter: pulumi.Output<string>;

  constructor(name: string, args: VaultListenerCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:runtime-authority:VaultListenerCertificate", name, {}, opts);
    const children = { parent: this };
    const key = new tls.PrivateKey(`${name}-key`, { algorithm: "ECDSA", ecdsaCurve: "P256" }, children);
    const csr = new tls.CertRequest(
      `${name}-csr`,
      {
        privateKeyPem: key.privateKeyPem,
        subject: { commonName: args.dnsNames[0]! },
        dnsNames: args.dnsNames,
        ipAddresses: ["127.0.0.1"],
      },
      children,
    );
    const cert = new tls.LocallySignedCert(
      `${name}-cert`,
      {
        certRequestPem: csr.certRequestPem,
        caCertPem: args.issuerCertificatePem,
        caPrivateKeyPem: args.issuerPrivateKeyPem,
        validityPeriodHours: (args.validityDays ?? 365) * 24,
        earlyRenewalHours: 30 * 24,
        allowedUses: ["digital_signature", "key_encipherment", "server_auth", "client_auth"],
      },
      children,
    );
    const secret = new k8s.core.v1.Secret(
      `${name}-secret`,
      {
        metadata: { name: args.secretName, namespace: args.namespace, labels: platformLabels("runtime-authority") },
        type: "kubernetes.io/tls",
        stringData: {
          // Leaf then intermediate: Raft peers and clients that trust only the root can build the chain.
          "tls.crt": pulumi.interpolate`${cert.certPem.apply((p) => p.trimEnd())}\n${args.issuerCertificatePem}`,
          "tls.key": pulumi.secret(key.privateKeyPem),
          "ca.crt": args.rootCertificatePem,
        },
      },
      children,
    );
    this.secretName = secret.metadata.name;
    this.notAfter = cert.validityEndTime;
    this.registerOutputs({ secretName: this.secretName, notAfter: this.notAfter });
  }
}
