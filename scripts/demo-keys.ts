// `npm run demo-keys`: makes new keys for the bundled demo cluster and writes them where the demo stacks read them:
// the in-cluster age identity (its recipient replaces the first of the root-trust stack's sopsAgeRecipients), the
// Flux deploy key and the Git host's known_hosts line, as secure values encrypted with stacks/demo.passphrase.
// Demo material only: real clusters use `age-keygen`, `ssh-keygen` and `pulumi config set --secret`.
import { generateKeyPairSync } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import sshpk from "sshpk";
import { parseDocument } from "yaml";
import { readableFile, refusedPaths, writableFile } from "../cli/files.js";
import { PassphraseCrypter } from "../config/passphrase.js";
import { ageRecipientOf, generateAgeIdentity } from "../pki/age.js";

const ROOT_TRUST = "stacks/Pulumi.demo-root-trust.yaml";
const GITOPS = "stacks/Pulumi.demo-gitops.yaml";
const PASSPHRASE = "stacks/demo.passphrase";
// Both stack files are checked before either is written: a half-updated pair would name keys that do not match.
const pathProblems = [PASSPHRASE, ROOT_TRUST, GITOPS].map(readableFile);
if (refusedPaths("demo-keys", [...pathProblems, writableFile(ROOT_TRUST), writableFile(GITOPS)], console.error))
  process.exit(2);
const passphrase = readFileSync(PASSPHRASE, "utf8").trim();

const ed25519 = () =>
  sshpk.parsePrivateKey(
    generateKeyPairSync("ed25519").privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
    "pem",
  );
const identity = generateAgeIdentity();
const deployKey = ed25519();
deployKey.comment = "flux@demo";
const hostKey = ed25519().toPublic();
hostKey.comment = "";

const rootTrust = parseDocument(readFileSync(ROOT_TRUST, "utf8"));
rootTrust.setIn(["config", "secrets-platform:sopsAgeRecipients", 0], ageRecipientOf(identity));
writeFileSync(ROOT_TRUST, rootTrust.toString({ lineWidth: 0 }));

const gitops = parseDocument(readFileSync(GITOPS, "utf8"));
const crypter = PassphraseCrypter.open(String(gitops.get("encryptionsalt")), passphrase);
gitops.setIn(["config", "secrets-platform:gitKnownHosts"], `git.example.com ${hostKey.toString("ssh").trim()}`);
gitops.setIn(["config", "secrets-platform:sopsAgeKey"], { secure: crypter.encrypt(identity) });
gitops.setIn(["config", "secrets-platform:gitDeployKey"], { secure: crypter.encrypt(deployKey.toString("openssh")) });
writeFileSync(GITOPS, gitops.toString({ lineWidth: 0 }));
console.log(`wrote ${GITOPS} and the first recipient of ${ROOT_TRUST}; regenerate .sops.yaml with npm run sops-config`);
