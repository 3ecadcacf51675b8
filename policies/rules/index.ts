import type { PlatformRule } from "../rule.js";
import { aclLeastPrivilege } from "./acl-least-privilege.js";
import { auditDevices } from "./audit-devices.js";
import { certificateLifetime } from "./certificate-lifetime.js";
import { deliveredOnce } from "./delivered-once.js";
import { evidenceResolves } from "./evidence-resolves.js";
import { issuerExpiry } from "./issuer-expiry.js";
import { kubernetesNotAuthoritative } from "./kubernetes-not-authoritative.js";
import { kvHardened } from "./kv-hardened.js";
import { noPlaintextSecrets } from "./no-plaintext-secrets.js";
import { noSecretOutputs } from "./no-secret-outputs.js";
import { objectCreatedOnce } from "./object-created-once.js";
import { pkiRoleBounded } from "./pki-role-bounded.js";
import { platformSecretsReserved } from "./platform-secrets-reserved.js";
import { purposeAccess } from "./purpose-access.js";
import { purposeKnown } from "./purpose-known.js";
import { revealOnce } from "./reveal-once.js";
import { singleAuthority } from "./single-authority.js";
import { transitKeyHardened } from "./transit-key-hardened.js";
import { transitionalDeadline } from "./transitional-deadline.js";
import { trustProtected } from "./trust-protected.js";

/** Every rule of the pack, in the order docs/policy-pack.md lists them. */
export const RULES: readonly PlatformRule[] = [
  purposeKnown,
  kubernetesNotAuthoritative,
  noPlaintextSecrets,
  noSecretOutputs,
  revealOnce,
  transitKeyHardened,
  kvHardened,
  trustProtected,
  pkiRoleBounded,
  certificateLifetime,
  aclLeastPrivilege,
  purposeAccess,
  auditDevices,
  singleAuthority,
  objectCreatedOnce,
  platformSecretsReserved,
  deliveredOnce,
  evidenceResolves,
  issuerExpiry,
  transitionalDeadline,
];
