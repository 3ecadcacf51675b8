import assert from "node:assert/strict";
import * as k8s from "@pulumi/kubernetes";
import * as tls from "@pulumi/tls";
import * as vault from "@pulumi/vault";
import { describe, it } from "vitest";
import { vaultIssuer } from "../delivery/issuers/vault/index.js";
import { checkedPurpose } from "../test/support/checked-purpose.js";
import { RESOURCE_TYPES } from "./resource-types.js";

/** The provider SDK class behind each token: the SDK states its own token as `__pulumiType`. */
const CLASSES: Record<keyof typeof RESOURCE_TYPES, unknown> = {
  tlsPrivateKey: tls.PrivateKey,
  tlsSelfSignedCert: tls.SelfSignedCert,
  tlsLocallySignedCert: tls.LocallySignedCert,
  tlsCertRequest: tls.CertRequest,
  vaultMount: vault.Mount,
  vaultAuthBackend: vault.AuthBackend,
  vaultPolicy: vault.Policy,
  vaultAudit: vault.Audit,
  vaultGenericEndpoint: vault.generic.Endpoint,
  vaultKvSecretBackendV2: vault.kv.SecretBackendV2,
  vaultTransitKey: vault.transit.SecretBackendKey,
  vaultKubernetesAuthConfig: vault.kubernetes.AuthBackendConfig,
  vaultKubernetesAuthRole: vault.kubernetes.AuthBackendRole,
  vaultPkiIntermediateCsr: vault.pkisecret.SecretBackendIntermediateCertRequest,
  vaultPkiIntermediateSetSigned: vault.pkisecret.SecretBackendIntermediateSetSigned,
  vaultPkiConfigUrls: vault.pkisecret.SecretBackendConfigUrls,
  vaultPkiRole: vault.pkisecret.SecretBackendRole,
  helmRelease: k8s.helm.v3.Release,
  clusterIssuer: undefined,
};

describe("the resource type tokens", () => {
  it("are the provider SDKs' own tokens, class for class", () => {
    for (const [key, cls] of Object.entries(CLASSES)) {
      if (cls === undefined) continue;
      assert.equal(
        RESOURCE_TYPES[key as keyof typeof RESOURCE_TYPES],
        (cls as { __pulumiType: string }).__pulumiType,
        key,
      );
    }
  });

  it("name the ClusterIssuer the steady state registers, as the kubernetes provider types a custom resource", () => {
    // A CustomResource's type token is `kubernetes:<apiVersion>:<kind>` (apiextensions.CustomResource).
    const issuer = vaultIssuer.issuer(checkedPurpose("cert-manager"), {
      vaultServer: "https://vault",
      caBundle: "",
    }).resource;
    assert.equal(RESOURCE_TYPES.clusterIssuer, `kubernetes:${issuer.apiVersion}:${issuer.kind}`);
  });
});
