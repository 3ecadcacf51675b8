import * as pulumi from "@pulumi/pulumi";

/**
 * Values as they cross the SDK <-> engine boundary ("wire form"): plain JSON where secrets, resource references and
 * unknowns are objects tagged with the SDK's signature key. The plan keeps this form so secretness is never lost.
 */
export type Wire = unknown;
export type WireMap = Record<string, Wire>;

const SIG = pulumi.runtime.specialSigKey;
const SECRET = pulumi.runtime.specialSecretSig;
const RESOURCE = pulumi.runtime.specialResourceSig;

export function isWireSecret(v: Wire): v is { value: Wire } {
  return !!v && typeof v === "object" && (v as Record<string, unknown>)[SIG] === SECRET;
}

export function wireSecret(value: Wire): Wire {
  return { [SIG]: SECRET, value };
}

/** The plain value: secrets unwrapped, resource references replaced by their id (or URN), as a provider sees them. */
export function unwire(v: Wire): unknown {
  if (Array.isArray(v)) return v.map(unwire);
  if (!v || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  if (o[SIG] === SECRET) return unwire(o.value);
  if (o[SIG] === RESOURCE) return o.id || o.urn;
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, unwire(x)]));
}

/** True when `v` holds a secret anywhere inside. */
export function containsSecret(v: Wire): boolean {
  if (isWireSecret(v)) return true;
  if (Array.isArray(v)) return v.some(containsSecret);
  if (v && typeof v === "object") return Object.values(v).some(containsSecret);
  return false;
}

/**
 * The report form: every secret replaced by "[secret]", references by their URN, unknowns by "[unknown]". This is
 * the only form in which values leave the plan (plan.json, plan.md, the console).
 */
export function redact(v: Wire): unknown {
  if (v === pulumi.runtime.unknownValue) return "[unknown]";
  if (Array.isArray(v)) return v.map(redact);
  if (!v || typeof v !== "object") return v;
  const o = v as Record<string, unknown>;
  if (o[SIG] === SECRET) return "[secret]";
  if (o[SIG] === RESOURCE) return o.urn;
  if (typeof o[SIG] === "string") return "[asset]";
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, redact(x)]));
}
