import { requireCertifies } from "../../pki/x509.js";
import * as pulumi from "@pulumi/pulumi";
import * as vault from "@pulumi/vault";
import type { PkiRoleLayout } from "../../vault/layout.js";
import { MOUNTS } from "../../vault/paths.js";

/** Arguments for {@link PkiIntermediate}. */
export interface PkiIntermediateArgs {
  commonName: string;
  organization: string;
  /** The mount's max lease TTL: the longest certificate period of the registry. */
  maxLeaseTtlSeconds: number;
  /** The signed certificate and chain from the root ceremony, once the root has signed this mount's CSR. */
  signedChainPem?: pulumi.Input<string>;
  /** Base URL clients reach Vault at, for the issuing-certificate and CRL URLs put in every certificate. */
  vaultUrl: string;
  /** The PKI role of every certificate purpose, created once the signed chain is set. */
  roles: readonly PkiRoleLayout[];
}

/**
 * The PKI intermediate mount: its key is generated inside Vault (type internal, never exported), its CSR is
 * published for the offline root's ceremony, and the signed chain is set back once the root has signed it. Mount,
 * CSR and issuer are protected: replacing any of them re-keys every certificate the platform issues. Once it can
 * issue, one role per certificate purpose (see {@link pkiRoleForPurpose}).
 */
export class PkiIntermediate extends pulumi.ComponentResource {
  public readonly path: pulumi.Output<string>;
  public readonly csrPem: pulumi.Output<string>;
  /** Whether the signed chain has been set (roles can issue). */
  public readonly signed: boolean;
  /** The resource that makes the mount able to issue, for roles to depend on. */
  public readonly ready: pulumi.Resource[] = [];

  constructor(name: string, args: PkiIntermediateArgs, opts?: pulumi.ComponentResourceOptions) {
    super("secrets-platform:runtime-authority:PkiIntermediate", name, {}, opts);
    const protect = { parent: this, protect: true };
    const mount = new vault.Mount(
      `${name}-mount`,
      {
        path: MOUNTS.pki,
        type: "pki",
        maxLeaseTtlSeconds: args.maxLeaseTtlSeconds,
        defaultLeaseTtlSeconds: 3600,
        description: "Intermediate CA signed by the offline root",
      },
      protect,
    );
    const request = new vault.pkisecret.SecretBackendIntermediateCertRequest(
      `${name}-csr`,
      {
        backend: mount.path,
        type: "internal",
        commonName: args.commonName,
        organization: args.organization,
        keyType: "ec",
        keyBits: 384,
      },
      protect,
    );
    const urls = new vault.pkisecret.SecretBackendConfigUrls(
      `${name}-urls`,
      {
        backend: mount.path,
        issuingCertificates: [`${args.vaultUrl}/v1/${MOUNTS.pki}/ca`],
        crlDistributionPoints: [`${args.vaultUrl}/v1/${MOUNTS.pki}/crl`],
      },
      { parent: this },
    );
    if (args.signedChainPem) {
      // Fail closed: a chain signed for an earlier key (a lost state regenerated it) must never be set.
      const certificate = pulumi
        .all([args.signedChainPem, request.csr])
        .apply(([chain, csr]) => requireCertifies("PKI", chain, csr));
      const signed = new vault.pkisecret.SecretBackendIntermediateSetSigned(
        `${name}-signed`,
        { backend: mount.path, certificate },
        { ...protect, dependsOn: [request] },
      );
      this.ready.push(signed, urls);
      for (const role of args.roles)
        pkiRoleForPurpose(
          `${name}-role-${role.purpose}`,
          { role, backend: mount.path },
          { parent: this, dependsOn: this.ready },
        );
    }
    this.signed = args.signedChainPem !== undefined;
    this.path = mount.path;
    this.csrPem = request.csr;
    this.registerOutputs({ path: this.path, csrPem: this.csrPem });
  }
}

/**
 * One PKI role per certificate purpose: exactly the contract's names (no `allow_any_name`, no subdomains, globs only
 * for a contract's own `*.` names), which the registry has checked are the team's (registry/tenancy.ts), a common
 * name only as a host name among them, no IP or localhost SANs, the contract's key type and size, and a `max_ttl` of the
 * rotation period so a certificate never outlives its contract. cert-manager must request at most that duration,
 * or renewal loops (cert-manager#1038). One resource, without a component of its own (docs/performance.md).
 */
export function pkiRoleForPurpose(
  name: string,
  args: { role: PkiRoleLayout; backend: pulumi.Input<string> },
  opts: pulumi.CustomResourceOptions,
): vault.pkisecret.SecretBackendRole {
  const r = args.role;
  return new vault.pkisecret.SecretBackendRole(
    `${name}-role`,
    {
      backend: args.backend,
      name: r.name,
      allowedDomains: r.allowedDomains,
      allowBareDomains: true,
      allowSubdomains: false,
      allowGlobDomains: r.wildcards,
      allowWildcardCertificates: r.wildcards,
      allowAnyName: false,
      allowIpSans: false,
      allowLocalhost: false,
      enforceHostnames: true,
      // The common name is a host name among the allowed ones (Vault's default also admits an email address there).
      cnValidations: ["hostname"],
      keyType: r.keyType,
      keyBits: r.keyBits,
      maxTtl: String(r.maxTtlSeconds),
      ttl: String(r.maxTtlSeconds),
      serverFlag: r.serverFlag,
      clientFlag: r.clientFlag,
      codeSigningFlag: false,
      emailProtectionFlag: false,
      keyUsages: r.keyUsages,
      requireCn: false,
    },
    opts,
  );
}
