import { createHash } from "node:crypto";

/** JSON with object keys sorted at every level: the same content always has the same bytes (and digest). */
export function canonicalJson(value: unknown, indent = 0): string {
  const sort = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(sort)
      : v && typeof v === "object"
        ? Object.fromEntries(
            Object.keys(v)
              .sort()
              .map((k) => [k, sort((v as Record<string, unknown>)[k])]),
          )
        : v;
  return JSON.stringify(sort(value), null, indent);
}

export function sha256(text: string | Buffer): string {
  return createHash("sha256").update(text).digest("hex");
}
