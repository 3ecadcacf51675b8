import { RESOURCE_TYPES } from "../resource-types.js";
import { isKvMetadata } from "../resources.js";
import type { PlatformRule } from "../rule.js";

export const kvHardened: PlatformRule = {
  name: "kv-hardened",
  description:
    "KV v2 mounts require check-and-set and keep a bounded number of versions; per-secret metadata never allows deleting every version.",
  severity: "high",
  enforcementLevel: "mandatory",
  remediation:
    "set casRequired true and maxVersions between 1 and the configured bound on the mount; keep disableDelete on metadata endpoints",
  configSchema: {
    properties: {
      maxVersions: { type: "integer", default: 20, description: "the most versions a KV secret may keep" },
    },
  },
  validateResource(r, ctx, report) {
    if (r.type === RESOURCE_TYPES.vaultMount && r.props.type === "kv" && r.props.options?.version !== "2")
      report(`KV mount ${r.props.path} is not KV v2 (no versions, no check-and-set)`);
    if (r.type === RESOURCE_TYPES.vaultKvSecretBackendV2) {
      if (r.props.casRequired !== true)
        report(`KV mount ${r.props.mount}: casRequired is off, so concurrent writers overwrite each other`);
      const max = Number(r.props.maxVersions ?? 0);
      if (!(max >= 1 && max <= ctx.config.maxVersions))
        report(
          `KV mount ${r.props.mount}: maxVersions ${max}${max === 0 ? " (unbounded)" : ""} is outside 1..${ctx.config.maxVersions}`,
        );
    }
    if (isKvMetadata(r) && r.props.disableDelete !== true)
      report(`${r.props.path}: deleting this endpoint would destroy every version of the secret (set disableDelete)`);
  },
};
