import * as pulumi from "@pulumi/pulumi";
import { RootCertificateAuthority, SignedIntermediateCa } from "../components/root-trust/index.js";
import { inspectIntermediateCsr } from "../pki/x509.js";
import { stackName, type PhaseId } from "./catalog.js";
import type { PhaseContext, PhaseProgram } from "./context.js";
import { inputError } from "./errors.js";
import { INTERMEDIATE_CSRS_OUTPUT, type SignedIntermediate } from "./outputs.js";

/**
 * Phase 0, the offline root of trust. Registers the root CA, signs the intermediates that the configured stack
 * published CSRs for (the signing ceremony), and publishes public material only: the root key is in no output.
 */
export const rootTrust: PhaseProgram<"root-trust"> = async ({ config, phaseOutputs }) => {
  const rt = config.rootTrust;
  // Inspect the ceremony's input before registering anything: a refused CSR leaves no partial state behind.
  const csrs = rt.intermediateCsrStack ? await publishedCsrs(phaseOutputs, rt.intermediateCsrStack) : {};
  const root = new RootCertificateAuthority("root-ca", {
    commonName: rt.commonName,
    organization: rt.organization,
    validityDays: rt.validityDays,
    keyAlgorithm: rt.keyAlgorithm,
    ecdsaCurve: rt.ecdsaCurve,
    rsaBits: rt.rsaBits,
  });

  const intermediates: Record<string, { [K in keyof SignedIntermediate]: pulumi.Output<string> }> = {};
  for (const [name, csrPem] of Object.entries(csrs).sort(([a], [b]) => a.localeCompare(b))) {
    const signed = new SignedIntermediateCa(`intermediate-${name}`, {
      root,
      csrPem,
      validityDays: rt.intermediateValidityDays,
    });
    intermediates[name] = {
      certificatePem: signed.certificatePem,
      chainPem: signed.chainPem,
      notAfter: signed.notAfter,
      fingerprintSha256: signed.fingerprintSha256,
    };
  }

  return {
    rootCertificatePem: root.certificatePem,
    rootCertificateFingerprintSha256: root.fingerprintSha256,
    rootCertificateNotAfter: root.notAfter,
    rootCertificateSubject: root.subject,
    signedIntermediates: intermediates,
    sopsAgeRecipients: rt.sopsAgeRecipients,
  };
};

/**
 * The CSRs another stack published, read at plan time (not inside an apply) so `pulumi preview` shows exactly which
 * intermediates the ceremony will sign. Every CSR is inspected first; one bad CSR stops the ceremony.
 */
async function publishedCsrs(
  phaseOutputs: PhaseContext["phaseOutputs"],
  phase: PhaseId,
): Promise<Record<string, string>> {
  // Any phase may publish CSRs under this output; the runtime authority does (phases/outputs.ts).
  const read = await phaseOutputs(phase as "runtime-authority", [INTERMEDIATE_CSRS_OUTPUT]);
  // Checked one by one below: another stack's output is input to the ceremony, not trusted.
  const published = (read[INTERMEDIATE_CSRS_OUTPUT] ?? {}) as Record<string, unknown>;
  const problems: string[] = [];
  const csrs: Record<string, string> = {};
  for (const [name, pem] of Object.entries(published)) {
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name)) problems.push(`${name}: is not a kebab-case intermediate name`);
    if (typeof pem !== "string") {
      problems.push(`${name}: is not a PEM string`);
      continue;
    }
    const inspection = await inspectIntermediateCsr(pem);
    problems.push(...inspection.problems.map((p) => `${name}: ${p}`));
    csrs[name] = pem;
  }
  if (problems.length > 0)
    throw inputError(
      `signing ceremony refused: the ${phase} stack's ${INTERMEDIATE_CSRS_OUTPUT} output has problems:\n  ${problems.join("\n  ")}`,
    );
  return csrs;
}

/**
 * What the cluster's later phases need of the root of trust: its certificate, which they refuse to run without, and
 * the intermediates its ceremony has signed so far, by name.
 */
export async function rootOfTrust({ config, phaseOutputs }: Pick<PhaseContext, "config" | "phaseOutputs">): Promise<{
  rootCertificatePem: string;
  signed: Record<string, SignedIntermediate>;
}> {
  const { rootCertificatePem, signedIntermediates } = await phaseOutputs("root-trust", [
    "rootCertificatePem",
    "signedIntermediates",
  ]);
  if (!rootCertificatePem)
    throw inputError(
      `the ${stackName(config.cluster, "root-trust")} stack publishes no rootCertificatePem: run it first`,
    );
  return { rootCertificatePem, signed: signedIntermediates ?? {} };
}
