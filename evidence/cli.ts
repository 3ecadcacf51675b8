import { createPrivateKey, createPublicKey, sign } from "node:crypto";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { readableFile, refusedPaths, writableFolder } from "../cli/files.js";
import { readPlanFile, type PlanDocument } from "../plan/report/plan-json.js";
import { loadRegistryOrReport } from "../registry/load.js";
import { canonicalJson, sha256 } from "./canonical.js";
import { INDEX_FILE, previousEvidence } from "./output.js";
import { evidencePackets } from "./packets.js";

const USAGE = `usage: npm run evidence -- --out DIR [--plan FILE] [--registry DIR] [--sign-key FILE]
  --out       where the packets and index.json go: a new or empty folder, or one evidence was written to before
              (packets and signatures it listed that this run does not write are removed)
  --plan      the offline plan to take resources, policy results and posture from (default plan-out/plan.json)
  --registry  the purpose registry (default: the plan's)
  --sign-key  an Ed25519 private key (PKCS#8 PEM) to sign each packet with (default: $EVIDENCE_SIGNING_KEY_FILE)
exit codes: 0 written, 2 invalid input`;

/** Writes one evidence packet per evidence component, an index, and (with a key) detached Ed25519 signatures. */
export function main(
  argv: readonly string[],
  io = { out: (l: string) => console.log(l), err: (l: string) => console.error(l) },
  env = process.env,
): number {
  let flags: { out?: string; plan: string; registry?: string; "sign-key"?: string };
  try {
    flags = parseArgs({
      args: [...argv],
      options: {
        out: { type: "string" },
        plan: { type: "string", default: "plan-out/plan.json" },
        registry: { type: "string" },
        "sign-key": { type: "string" },
      },
      strict: true,
    }).values;
  } catch (e) {
    io.err(`evidence: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (!flags.out) {
    io.err(`evidence: --out is required\n${USAGE}`);
    return 2;
  }
  const keyFile = flags["sign-key"] ?? env.EVIDENCE_SIGNING_KEY_FILE;
  if (refusedPaths("evidence", [writableFolder(flags.out), keyFile !== undefined && readableFile(keyFile)], io.err))
    return 2;
  let doc: PlanDocument;
  try {
    doc = readPlanFile(flags.plan);
  } catch (e) {
    io.err(`evidence: ${(e as Error).message} (run npm run plan first)`);
    return 2;
  }
  let key: ReturnType<typeof createPrivateKey> | undefined;
  if (keyFile) {
    try {
      key = createPrivateKey(readFileSync(keyFile));
      if (key.asymmetricKeyType !== "ed25519")
        throw new Error(`is a ${key.asymmetricKeyType} key; an Ed25519 key is required`);
    } catch (e) {
      // The key's content is never printed.
      io.err(`evidence: signing key ${keyFile}: ${(e as Error).message.split("\n")[0]}`);
      return 2;
    }
  }
  const registry = loadRegistryOrReport(
    resolve(flags.registry ?? doc.registry.dir),
    "evidence: invalid purpose registry:",
    io.err,
  );
  if (!registry) return 2;
  // Packets state what the plan deployed for the registry's contracts: from another registry they would be false.
  if (doc.registry.digest !== registry.digest) {
    io.err(
      `evidence: ${flags.plan} was not planned from the registry in ${registry.dir} (${doc.registry.digest ? "its files differ from those the plan records" : "the plan records no registry digest"}): run npm run plan with this registry, or pass the plan's own`,
    );
    return 2;
  }
  const packets = evidencePackets(doc, registry);
  const writing = [
    INDEX_FILE,
    ...packets.flatMap((p) => [`${p.evidence.id}.json`, ...(key ? [`${p.evidence.id}.json.sig`] : [])]),
  ];
  if (refusedPaths("evidence", [writableFolder(flags.out, writing)], io.err)) return 2;
  const previous = previousEvidence(flags.out, writing);
  if ("problem" in previous) {
    io.err(`evidence: ${previous.problem}`);
    return 2;
  }
  mkdirSync(flags.out, { recursive: true });
  for (const name of previous.stale) rmSync(join(flags.out, name), { force: true });
  const index = packets.map((packet) => {
    const file = `${packet.evidence.id}.json`;
    const text = `${canonicalJson(packet, 2)}\n`;
    writeFileSync(join(flags.out!, file), text);
    const signature = key ? `${file}.sig` : undefined;
    if (key && signature) writeFileSync(join(flags.out!, signature), sign(null, Buffer.from(text), key));
    return {
      evidence: packet.evidence.id,
      file,
      digest: packet.digest,
      fileSha256: sha256(text),
      purposes: packet.contracts.length,
      policyPassed: packet.policy.passed,
      ...(signature ? { signature } : {}),
    };
  });
  const signing = key
    ? { algorithm: "Ed25519", publicKeyPem: createPublicKey(key).export({ type: "spki", format: "pem" }).toString() }
    : undefined;
  writeFileSync(
    join(flags.out, INDEX_FILE),
    `${canonicalJson({ cluster: doc.cluster, generatedAt: doc.generatedAt, packets: index, ...(signing ? { signing } : {}) }, 2)}\n`,
  );
  const removed = previous.stale.length
    ? `; removed ${previous.stale.join(", ")}, which this run no longer writes`
    : "";
  io.out(`evidence: ${index.length} packets${key ? ", signed (Ed25519)" : ""}, in ${flags.out}${removed}`);
  return 0;
}
