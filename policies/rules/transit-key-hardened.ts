import { RESOURCE_TYPES } from "../resource-types.js";
import { parseDuration } from "../../registry/duration.js";
import { purposeById } from "../resources.js";
import type { PlatformRule } from "../rule.js";

export const transitKeyHardened: PlatformRule = {
  name: "transit-key-hardened",
  description:
    "Transit keys never leave Vault and rotate on their own: not exportable, no plaintext backup, deletion not allowed, auto-rotated within the contract's period.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "set exportable and allowPlaintextBackup false (both are one-way in Vault: a key that was exportable must be replaced), deletionAllowed false, autoRotatePeriod to the rotation period",
  validateResource(r, ctx, report) {
    if (r.type !== RESOURCE_TYPES.vaultTransitKey) return;
    const id = String(r.props.name);
    if (r.props.exportable === true) report(`${id}: transit key ${r.name} is exportable`);
    if (r.props.allowPlaintextBackup === true) report(`${id}: transit key ${r.name} allows plaintext backup`);
    if (r.props.deletionAllowed === true) report(`${id}: transit key ${r.name} may be deleted`);
    const period = Number(r.props.autoRotatePeriod ?? 0);
    const p = purposeById(ctx, id);
    if (!(period > 0)) report(`${id}: transit key ${r.name} is not auto-rotated`);
    else if (p && period > parseDuration(p.rotation.period)!)
      report(`${id}: transit key ${r.name} rotates every ${period}s, slower than the contract's ${p.rotation.period}`);
  },
};
