/**
 * What secret material looks like in a value that should hold none (labels, ConfigMaps, plain inputs, stack
 * outputs): private keys in every encoding the platform handles, and age identities. Values are never echoed.
 */
const PATTERNS: readonly [RegExp, string][] = [
  [/-----BEGIN (?:[A-Z]+ )?PRIVATE KEY-----/, "a PEM private key"],
  [/-----BEGIN OPENSSH PRIVATE KEY-----/, "an OpenSSH private key"],
  [/-----BEGIN PGP PRIVATE KEY BLOCK-----/, "a PGP private key"],
  [/AGE-SECRET-KEY-1[0-9A-Z]{20,}/, "an age identity"],
];

/** The kinds of secret material found anywhere in `value` (walked recursively), each once. */
export function secretMaterialIn(value: unknown): string[] {
  const found = new Set<string>();
  const walk = (v: unknown): void => {
    if (typeof v === "string") for (const [re, what] of PATTERNS) if (re.test(v)) found.add(what);
    if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(value);
  return [...found];
}
