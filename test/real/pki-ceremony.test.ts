import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, it } from "vitest";
import { certificateFingerprint, requireCertifies, splitPemBundle, x509 } from "../../pki/x509.js";
import { RESOURCE_TYPES } from "../../policies/resource-types.js";
import { inputs, outputsOf, runOf } from "../support/demo-plan.js";
import { openBaoSkipReason } from "./openbao.js";
import { certificateRequest, signRequest, type CertificateAsk } from "./support/pki-requests.js";
import {
  applyRuntimeAuthority,
  kubernetesCaCertificate,
  planned,
  plannedOf,
  startPlatformServer,
  tokenWith,
  type PlatformServer,
  type RuntimeAuthorityApply,
} from "./support/platform.js";

const skip = openBaoSkipReason();
if (skip) console.info(`the PKI ceremony: skipped: ${skip}`);

/** The demo's PKI roles as planned, each with the issuer identity (policy) whose sign path it is. */
function rolesWithIssuers() {
  const issuers = plannedOf(RESOURCE_TYPES.vaultPolicy)
    .map(inputs)
    .filter((p) => String(p.name).startsWith("issuer."))
    .map((p) => ({
      name: String(p.name),
      paths: Object.keys((JSON.parse(String(p.policy)) as { path: object }).path),
    }));
  return plannedOf(RESOURCE_TYPES.vaultPkiRole).map((r) => {
    const role = inputs(r);
    const issuer = issuers.find((i) => i.paths.includes(`pki_int/sign/${role.name}`));
    assert.ok(issuer, `an issuer identity signs for ${role.name}`);
    return { role, issuer: issuer.name, others: issuers.filter((i) => i !== issuer).map((i) => i.name) };
  });
}

interface Signed {
  status: number;
  errors: string[];
  certificate?: x509.X509Certificate;
  warnings: string[];
}

describe.skipIf(skip !== false)("the PKI ceremony against a real OpenBao", () => {
  let platform: PlatformServer;
  let applied: RuntimeAuthorityApply;
  let root: x509.X509Certificate;
  const roles = () => rolesWithIssuers();

  async function sign(
    role: Record<string, any>,
    token: string,
    ask: CertificateAsk,
    ttlSeconds: number,
  ): Promise<Signed> {
    const csr = await certificateRequest(String(role.keyType), Number(role.keyBits), ask);
    const answer = await platform.server.api<{
      data?: { certificate: string };
      errors?: string[];
      warnings?: string[];
    }>("POST", `/v1/pki_int/sign/${role.name}`, signRequest(csr, ask, ttlSeconds), token);
    return {
      status: answer.status,
      errors: answer.body.errors ?? [],
      warnings: answer.body.warnings ?? [],
      ...(answer.body.data ? { certificate: new x509.X509Certificate(answer.body.data.certificate) } : {}),
    };
  }

  /** Asks the role for each certificate of `refused` and returns the server's answers, asserting each is refused (400). */
  async function assertRefusesEach(
    role: Record<string, any>,
    token: string,
    refused: readonly [string, CertificateAsk][],
  ): Promise<[string, Signed][]> {
    const answers: [string, Signed][] = [];
    for (const [what, ask] of refused) {
      const answer = await sign(role, token, ask, Number(role.maxTtl));
      assert.equal(answer.status, 400, `${role.name} must refuse ${what}, issued ${answer.certificate?.subject ?? ""}`);
      answers.push([what, answer]);
    }
    return answers;
  }

  beforeAll(async () => {
    platform = await startPlatformServer();
    applied = await applyRuntimeAuthority(platform, { kubernetesCaCert: await kubernetesCaCertificate() });
    root = new x509.X509Certificate(String(outputsOf(runOf("root-trust")).rootCertificatePem));
  });
  afterAll(() => platform?.stop());

  it("has the server generate the intermediate's key and CSR: the plan's subject and key type, no private key out", async () => {
    const request = planned("pki-csr");
    const asked = inputs(request);
    const created = applied.state.get(request.urn)!;
    const csr = new x509.Pkcs10CertificateRequest(applied.csrPem);
    assert.ok(await csr.verify(), "the CSR's signature verifies with its own key");
    assert.equal(csr.subjectName.getField("CN")[0], asked.commonName);
    assert.equal(csr.subjectName.getField("O")[0], asked.organization);
    assert.deepEqual(
      [csr.publicKey.algorithm.name, (csr.publicKey.algorithm as EcKeyAlgorithm).namedCurve],
      ["ECDSA", "P-384"],
    );
    assert.equal(created.outputs.privateKey, undefined, "type internal: the key stays in the server");
    const key = await platform.server.api<{ data: { key_id: string; key_type: string } }>(
      "GET",
      `/v1/pki_int/key/${String(created.outputs.keyId)}`,
    );
    assert.equal(key.status, 200);
    assert.equal(key.body.data.key_type, "ec");
    assert.notEqual(
      applied.csrPem,
      String(outputsOf(runOf("runtime-authority")).pkiIntermediateCsrs["vault-pki"]),
      "the server's own key, not the plan's model",
    );
  });

  it("sets back the chain the root-trust stack's signer made: the server's issuer chains to the demo root", async () => {
    const issuer = await platform.server.api<{ data: { certificate: string; ca_chain: string[]; issuer_id: string } }>(
      "GET",
      "/v1/pki_int/issuer/default",
    );
    assert.equal(issuer.status, 200);
    const intermediate = new x509.X509Certificate(issuer.body.data.certificate);
    assert.equal(
      certificateFingerprint(issuer.body.data.certificate),
      certificateFingerprint(applied.signed.certificatePem),
      "the default issuer is the certificate the ceremony signed",
    );
    const chain = await new x509.X509ChainBuilder({ certificates: [root] }).build(intermediate);
    assert.deepEqual(
      [...chain].map((c) => c.subject),
      [intermediate.subject, root.subject],
    );
    assert.equal(intermediate.getExtension(x509.BasicConstraintsExtension)?.ca, true);
    assert.deepEqual(
      Buffer.from(intermediate.getExtension(x509.AuthorityKeyIdentifierExtension)!.keyId!, "hex"),
      Buffer.from(root.getExtension(x509.SubjectKeyIdentifierExtension)!.keyId, "hex"),
    );
    const imported = applied.state.get(planned("pki-signed").urn)!.outputs.importedIssuers as string[];
    // The whole chain is imported: the intermediate (with the server's key) as the default, the root beside it
    // without a key, so it can sign nothing.
    assert.equal(imported.length, 2);
    assert.ok(imported.includes(issuer.body.data.issuer_id), "the signed intermediate is the default issuer");
    for (const id of imported.filter((i) => i !== issuer.body.data.issuer_id)) {
      const other = await platform.server.api<{ data: { certificate: string; key_id: string } }>(
        "GET",
        `/v1/pki_int/issuer/${id}`,
      );
      assert.equal(certificateFingerprint(other.body.data.certificate), certificateFingerprint(root.toString("pem")));
      assert.equal(other.body.data.key_id, "");
    }
    const urls = await platform.server.api<{ data: { issuing_certificates: string[] } }>(
      "GET",
      "/v1/pki_int/config/urls",
    );
    assert.deepEqual(urls.body.data.issuing_certificates, inputs(planned("pki-urls")).issuingCertificates);
  });

  it("would import a chain signed for another key: the program's check before set-signed is what refuses it", async () => {
    // The plan's own chain certifies the plan's model key, not this server's. OpenBao takes it as a key-less issuer.
    const other = await platform.server.api("POST", "/v1/sys/mounts/pki_other", { type: "pki" });
    assert.equal(other.status, 204);
    await platform.server.api("PUT", "/v1/pki_other/issuers/generate/intermediate/internal", {
      common_name: "x",
      key_type: "ec",
      key_bits: 384,
    });
    const chain = String(inputs(planned("pki-signed")).certificate);
    const answer = await platform.server.api<{ data?: { imported_issuers: string[]; imported_keys: string[] | null } }>(
      "PUT",
      "/v1/pki_other/intermediate/set-signed",
      { certificate: chain },
    );
    assert.equal(answer.status, 200, "the server accepts it");
    const issuers = await platform.server.api<{ data: { keys: string[] } }>("LIST", "/v1/pki_other/issuers");
    const issuer = await platform.server.api<{ data: { key_id: string } }>(
      "GET",
      `/v1/pki_other/issuer/${issuers.body.data.keys[0]}`,
    );
    assert.equal(issuer.body.data.key_id, "", "an issuer without its key: it cannot issue");
    const csr = await platform.server.api<{ data: { csr: string } }>(
      "PUT",
      "/v1/pki_other/issuers/generate/intermediate/internal",
      { common_name: "y", key_type: "ec", key_bits: 384 },
    );
    assert.throws(
      () => requireCertifies("PKI", chain, csr.body.data.csr),
      /certifies another key than this stack's current CSR/,
    );
  });

  it("issues each role's exact names to its team's issuer identity, and refuses any other name, subdomain, IP SAN or localhost", async () => {
    for (const { role, issuer } of roles()) {
      const token = await tokenWith(platform.server, [issuer]);
      const names = role.allowedDomains as string[];
      const ok = await sign(role, token, { commonName: names[0], dnsNames: names }, Number(role.maxTtl));
      assert.equal(ok.status, 200, `${role.name}: ${ok.errors.join("; ")}`);
      const san = ok.certificate!.getExtension(x509.SubjectAlternativeNameExtension)!;
      assert.deepEqual(san.names.items.map((n) => n.value).sort(), [...names].sort(), role.name);
      const refused: [string, CertificateAsk][] = [
        ["another name", { dnsNames: ["evil.example.net"] }],
        ["any name", { commonName: "anything.invalid", dnsNames: ["anything.invalid"] }],
        ["a subdomain", { dnsNames: [`sub.${names[0]}`] }],
        ["a wildcard", { dnsNames: [`*.${names[0]}`] }],
        ["localhost", { dnsNames: ["localhost"] }],
        ["an IP SAN", { dnsNames: [names[0]!], ipAddresses: ["10.0.0.1"] }],
        ["the loopback IP", { dnsNames: [names[0]!], ipAddresses: ["127.0.0.1"] }],
        ["an allowed name with another", { dnsNames: [names[0]!, "evil.example.net"] }],
      ];
      for (const [what, answer] of await assertRefusesEach(role, token, refused))
        assert.match(
          answer.errors.join("; "),
          /not allowed|IP Subject Alternative Names are not allowed/,
          `${role.name}: ${what}`,
        );
    }
  });

  it("refuses each team's roles another team's names, Vault's own names, wildcards over the cluster or a TLD, and an email for a common name; signs the team's own", async () => {
    const all = roles();
    // Vault's listener names as the plan's runtime-authority stack requests them: what every secret store trusts.
    const vaultNames = (inputs(planned("vault-listener-csr")).dnsNames as string[]).filter(
      (n) => n.includes(".") && !n.startsWith("*."),
    );
    assert.ok(vaultNames.includes("vault-active.vault.svc"), vaultNames.join(", "));
    for (const { role, issuer } of all) {
      const token = await tokenWith(platform.server, [issuer]);
      const own = role.allowedDomains as string[];
      const signed = await sign(role, token, { commonName: own[0], dnsNames: own }, Number(role.maxTtl));
      assert.equal(signed.status, 200, `${role.name}: ${signed.errors.join("; ")}`);
      const otherTeams = all.filter((o) => o.issuer !== issuer).flatMap((o) => o.role.allowedDomains as string[]);
      assert.ok(otherTeams.length > 0);
      const refused: [string, CertificateAsk][] = [
        ...otherTeams.map((n): [string, CertificateAsk] => [`another team's ${n}`, { dnsNames: [n] }]),
        ...vaultNames.map((n): [string, CertificateAsk] => [`Vault's ${n}`, { dnsNames: [own[0]!, n] }]),
        ["every service (*.svc)", { dnsNames: ["*.svc"] }],
        ["a top-level domain (*.com)", { dnsNames: ["*.com"] }],
        ["an email as the common name", { commonName: `ops@${own[0]}`, dnsNames: [own[0]!] }],
      ];
      await assertRefusesEach(role, token, refused);
    }
  });

  it("caps every certificate at the role's max_ttl, whatever lifetime is asked", async () => {
    for (const { role, issuer } of roles()) {
      const token = await tokenWith(platform.server, [issuer]);
      const maxTtl = Number(role.maxTtl);
      const before = Date.now();
      const answer = await sign(role, token, { dnsNames: role.allowedDomains as string[] }, maxTtl * 10);
      assert.equal(answer.status, 200, `${role.name}: ${answer.errors.join("; ")}`);
      const notAfter = answer.certificate!.notAfter.getTime();
      assert.ok(
        notAfter <= before + maxTtl * 1000 + 5_000,
        `${role.name}: ${answer.certificate!.notAfter.toISOString()} is past max_ttl`,
      );
      assert.ok(notAfter >= before + maxTtl * 1000 - 5_000, `${role.name}: capped at max_ttl, not shorter`);
    }
  });

  it("lets each issuer identity sign for its own team's roles only, and never `issue` (a key made by the server)", async () => {
    for (const { role, others } of roles()) {
      for (const other of others) {
        const token = await tokenWith(platform.server, [other]);
        const answer = await sign(role, token, { dnsNames: role.allowedDomains as string[] }, 3600);
        assert.equal(answer.status, 403, `${other} must not sign for ${role.name}`);
      }
    }
    const { role, issuer } = roles()[0]!;
    const token = await tokenWith(platform.server, [issuer]);
    const issued = await platform.server.api(
      "POST",
      `/v1/pki_int/issue/${role.name}`,
      { common_name: (role.allowedDomains as string[])[0] },
      token,
    );
    assert.equal(issued.status, 403);
  });

  it("issues chains that verify to the demo root, with the role's key type and usages", async () => {
    const intermediatePem = splitPemBundle(applied.signed.chainPem)[0]!;
    const intermediate = new x509.X509Certificate(intermediatePem);
    for (const { role, issuer } of roles()) {
      const token = await tokenWith(platform.server, [issuer]);
      const answer = await sign(role, token, { dnsNames: role.allowedDomains as string[] }, Number(role.maxTtl));
      const leaf = answer.certificate!;
      const chain = await new x509.X509ChainBuilder({ certificates: [intermediate, root] }).build(leaf);
      assert.deepEqual(
        [...chain].map((c) => c.subject),
        [leaf.subject, intermediate.subject, root.subject],
        role.name,
      );
      assert.equal(
        certificateFingerprint(chain[2]!.toString("pem")),
        String(outputsOf(runOf("root-trust")).rootCertificateFingerprintSha256),
      );
      const eku = leaf.getExtension(x509.ExtendedKeyUsageExtension)?.usages ?? [];
      assert.equal(
        eku.includes(x509.ExtendedKeyUsage.serverAuth),
        role.serverFlag === true,
        `${role.name}: server auth`,
      );
      assert.equal(
        eku.includes(x509.ExtendedKeyUsage.clientAuth),
        role.clientFlag === true,
        `${role.name}: client auth`,
      );
      assert.equal(leaf.getExtension(x509.BasicConstraintsExtension)?.ca ?? false, false);
      assert.equal(leaf.publicKey.algorithm.name, "ECDSA");
    }
  });
});
