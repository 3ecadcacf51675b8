import { parse as parseHcl } from "@cdktf/hcl2json";
import { bodyCapabilities, CAPABILITIES, LEGACY_POLICIES, type PolicyRule } from "./acl-eval.js";

/**
 * A Vault policy document read as the server reads it when it is written (`PUT sys/policies/acl/<name>`), refusing
 * what the server refuses at parse time (OpenBao's internal/vault/policy/policy.go, checked against the real server
 * by test/real/access-server.test.ts): a text whose first non-blank character is `{` is JSON, anything else HCL
 * (parsed by HashiCorp's own HCL parser, hcl2json, rather than by pattern matching). Every problem is collected and
 * thrown as one error, a problem a line.
 *
 * The server decodes policies with HCL 1; the parser here is HCL 2, and refuses, on purpose, the few documents the two
 * read differently or that the server accepts only through a quirk of its decoder (a key given twice, a boolean
 * capability, text after a JSON document, `$${` in HCL, an unlabelled or twice-labelled path block). It also
 * refuses control groups, which the evaluator does not model. docs/access.md lists them.
 */

/** Top-level keys the server accepts. */
const TOP_KEYS = new Set(["name", "path"]);
/** Keys of a path the server accepts. */
const PATH_KEYS = new Set([
  "comment",
  "policy",
  "capabilities",
  "allowed_parameters",
  "denied_parameters",
  "required_parameters",
  "min_wrapping_ttl",
  "max_wrapping_ttl",
  "mfa_methods",
  "pagination_limit",
  "expiration",
  "list_scan_response_keys_filter_path",
  "control_group",
]);
const VALID_CAPABILITIES = new Set<string>(CAPABILITIES);

export async function parsePolicyDocument(name: string, text: string, now: number = Date.now()): Promise<PolicyRule[]> {
  if (isJson(text)) return parseJsonPolicy(name, text, now);
  const problems: string[] = [];
  // HCL 2 reads `$${` and `%%{` as `${` and `%{`; HCL 1, which the server runs, keeps them as written.
  if (/\$\$\{|%%\{/.test(text))
    problems.push(
      "`$${` or `%%{`: HCL 1 (the server's parser) and HCL 2 read them differently; write the policy in JSON",
    );
  let doc: unknown;
  try {
    doc = await parseHcl(`${name}.hcl`, text);
  } catch (e) {
    problems.push(String((e as Error).message ?? e).replace(/^parse config: /, ""));
  }
  if (problems.length === 0) return rulesOf(name, fromHcl(doc, problems), now, problems);
  throw new Error(problems.join("\n"));
}

/** A JSON policy document (what the platform writes), synchronously; the same checks as {@link parsePolicyDocument}. */
export function parseJsonPolicy(name: string, text: string, now: number = Date.now()): PolicyRule[] {
  const problems: string[] = [];
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    throw new Error(`not a JSON document: ${(e as Error).message}`, { cause: e });
  }
  const duplicate = duplicateKey(text);
  // The server's decoder keeps both (and merges the two); JSON.parse keeps the last only.
  if (duplicate !== undefined) problems.push(`the key ${JSON.stringify(duplicate)} is given twice in one object`);
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return rulesOf(name, fromJson(doc, problems), now, problems);
}

/** The server's test (hclutil.ParseConfig): JSON when the first non-blank character is `{`. */
const isJson = (text: string) => text.trimStart().startsWith("{");

type Body = Record<string, unknown>;
const isObject = (v: unknown): v is Body => typeof v === "object" && v !== null && !Array.isArray(v);

/** The path bodies of a JSON document: `path` is an object of path → body, or a list of such objects. */
function fromJson(doc: unknown, problems: string[]): [string, Body][] {
  if (!isObject(doc)) {
    problems.push("not a policy document: a JSON object expected");
    return [];
  }
  topKeys(doc, problems);
  const paths = doc.path;
  if (paths === undefined) return [];
  const maps = Array.isArray(paths) ? paths : [paths];
  if (maps.length === 0) problems.push("path: an object of paths expected");
  const out: [string, Body][] = [];
  for (const m of maps) {
    if (!isObject(m)) {
      problems.push("path: an object of paths expected");
      continue;
    }
    for (const [path, body] of Object.entries(m)) {
      if (isObject(body)) out.push([path, body]);
      else problems.push(`path ${JSON.stringify(path)}: an object expected`);
    }
  }
  return out;
}

/** The path bodies of an HCL document as hcl2json gives them: `path "<p>" { ... }` is `path: { "<p>": [body] }`. */
function fromHcl(doc: unknown, problems: string[]): [string, Body][] {
  if (!isObject(doc)) {
    problems.push("not a policy document");
    return [];
  }
  topKeys(doc, problems);
  const paths = doc.path;
  if (paths === undefined) return [];
  if (!isObject(paths)) {
    problems.push('path: write each rule as a block, path "<path>" { ... }');
    return [];
  }
  const out: [string, Body][] = [];
  for (const [path, blocks] of Object.entries(paths)) {
    if (!Array.isArray(blocks) || !blocks.every(isObject)) {
      problems.push(`path ${JSON.stringify(path)}: write each rule as a block, path "<path>" { ... }, with one label`);
      continue;
    }
    for (const block of blocks)
      out.push([
        path,
        Object.fromEntries(
          Object.entries(block).map(([k, v]) => [
            k,
            // HCL 1 reads `allowed_parameters { ... }` as `allowed_parameters = { ... }`; hcl2json gives a block list.
            (k === "allowed_parameters" || k === "denied_parameters") && Array.isArray(v) && v.length === 1 ? v[0] : v,
          ]),
        ),
      ]);
  }
  return out;
}

function topKeys(doc: Body, problems: string[]): void {
  for (const key of Object.keys(doc)) if (!TOP_KEYS.has(key)) problems.push(`invalid key ${JSON.stringify(key)}`);
  const name = doc.name;
  if (name !== undefined && name !== null && typeof name !== "string" && typeof name !== "number")
    problems.push("name: a string expected");
}

/** Every path body checked as the server checks it, in its order; the rules of the ones that apply. */
function rulesOf(name: string, bodies: [string, Body][], now: number, problems: string[]): PolicyRule[] {
  const rules: PolicyRule[] = [];
  for (const [path, body] of bodies) {
    const at = `path ${JSON.stringify(path)}`;
    const before = problems.length;
    const problem = (p: string) => problems.push(`${at}: ${p}`);
    const templated = templating(path, problem);
    for (const key of Object.keys(body)) if (!PATH_KEYS.has(key)) problem(`invalid key ${JSON.stringify(key)}`);
    if (body.control_group !== undefined) problem("control_group: control groups are not modelled here");
    const capabilities = stringList(body.capabilities, "capabilities", problem, { scalars: false });
    const legacy = body.policy;
    if (legacy !== undefined && legacy !== null && typeof legacy !== "string") problem("policy: a string expected");
    for (const key of ["required_parameters", "mfa_methods"]) stringList(body[key], key, problem, { scalars: true });
    for (const key of ["allowed_parameters", "denied_parameters"])
      if (body[key] !== undefined && !(isObject(body[key]) && Object.values(body[key]).every(Array.isArray)))
        problem(`${key}: an object of value lists expected`);
    const limit = body.pagination_limit;
    if (limit !== undefined && !(Number.isInteger(limit) || (typeof limit === "string" && /^[+-]?\d+$/.test(limit))))
      problem("pagination_limit: an integer expected");
    const expiresAt = expiration(body.expiration, problem);
    if (problems.length > before) continue;
    // A path already expired when the policy is written is dropped before anything else of it is checked.
    if (expiresAt !== undefined && now > expiresAt) continue;
    const stripped = path.startsWith("/") ? path.slice(1) : path;
    if (stripped.includes("+*")) problem("invalid use of wildcards ('+*' is forbidden)");
    const listed = legacy === "deny" ? ["deny"] : [...(capabilities ?? []), ...legacyCapabilities(legacy, problem)];
    // The server checks capabilities in order and stops at the first deny: what follows it is not checked.
    for (const c of listed) {
      if (c === "deny") break;
      if (!VALID_CAPABILITIES.has(c)) problem(`invalid capability ${JSON.stringify(c)}`);
    }
    // Under a deny the server checks nothing more of the path (wrapping TTLs, the response keys filter).
    if (!listed.includes("deny")) {
      const min = duration(body.min_wrapping_ttl, "min_wrapping_ttl", problem);
      const max = duration(body.max_wrapping_ttl, "max_wrapping_ttl", problem);
      if (min && max && max < min) problem("max_wrapping_ttl cannot be less than min_wrapping_ttl");
      const filter = body.list_scan_response_keys_filter_path;
      if (filter !== undefined && filter !== "") {
        if (typeof filter !== "string") problem("list_scan_response_keys_filter_path: a string expected");
        else if (!listed.includes("list"))
          problem("list_scan_response_keys_filter_path needs to be used on a path with the list capability");
        else if (!/\{\{-?\s*\.key\s*-?\}\}/.test(filter))
          problem("list_scan_response_keys_filter_path: a template naming {{ .key }} expected");
      }
    }
    if (problems.length > before) continue;
    rules.push({
      path,
      capabilities: bodyCapabilities({ capabilities: listed }),
      policy: name,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      ...(templated ? { templated: true } : {}),
    });
  }
  if (problems.length > 0) throw new Error(problems.join("\n"));
  return rules;
}

function legacyCapabilities(legacy: unknown, problem: (p: string) => void): string[] {
  if (typeof legacy !== "string" || legacy === "") return [];
  const mapped = LEGACY_POLICIES[legacy];
  if (!mapped) problem(`invalid policy ${JSON.stringify(legacy)}`);
  return [...(mapped ?? [])];
}

/** A list of strings (`capabilities`), or of strings and numbers (`required_parameters`, `mfa_methods`). */
function stringList(
  value: unknown,
  key: string,
  problem: (p: string) => void,
  { scalars }: { scalars: boolean },
): string[] | undefined {
  if (value === undefined) return undefined;
  if (
    !Array.isArray(value) ||
    !value.every((v) => typeof v === "string" || (scalars && typeof v === "number" && Number.isFinite(v)))
  ) {
    problem(`${key}: a list of strings expected`);
    return undefined;
  }
  return value.map(String);
}

/**
 * Identity templates in a path (identitytpl.PopulateString's check): `}}` before any `{{`, or a `{{` without exactly
 * one `}}` after it, is refused; a path with a template applies per entity.
 */
function templating(path: string, problem: (p: string) => void): boolean {
  const [head, ...rest] = path.split("{{");
  if (head!.includes("}}") || rest.some((piece) => piece.split("}}").length !== 2)) {
    problem("failed to validate policy templating: unbalanced templating characters");
    return false;
  }
  return rest.length > 0;
}

const RFC3339 = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(\.\d+)?(Z|[+-](\d{2}):(\d{2}))$/;

/** An `expiration`: RFC 3339 (with or without fractions of a second) or seconds since the epoch; in milliseconds. */
function expiration(value: unknown, problem: (p: string) => void): number | undefined {
  if (value === undefined || value === "") return undefined;
  const text = typeof value === "number" && Number.isInteger(value) ? String(value) : value;
  if (typeof text !== "string") {
    problem("expiration: a time expected");
    return undefined;
  }
  if (/^[+-]?\d+$/.test(text)) return Number(text) * 1000;
  const m = RFC3339.exec(text);
  if (m && validTime(m.slice(1).map((f) => (f === undefined ? 0 : Number(f))))) return Date.parse(text);
  problem("invalid expiration time: could not parse string as date and time");
  return undefined;
}

/** The fields of an RFC 3339 time (year, month, day, hour, minute, second, fraction, zone, zone hour, zone minute). */
function validTime([y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, , , zh = 0, zm = 0]: number[]): boolean {
  const daysInMonth = new Date(Date.UTC(y, mo, 0)).getUTCDate();
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth && h <= 23 && mi <= 59 && s <= 59 && zh <= 23 && zm <= 59;
}

const UNITS: Record<string, number> = { ns: 1e-9, us: 1e-6, µs: 1e-6, μs: 1e-6, ms: 1e-3, s: 1, m: 60, h: 3600 };

/** A wrapping TTL as parseutil.ParseDurationSecond reads it: seconds, `<n>d`, or a Go duration; in seconds. */
function duration(value: unknown, key: string, problem: (p: string) => void): number {
  if (value === undefined || value === "") return 0;
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") {
    if (/^[+-]?\d+$/.test(value)) return Number(value);
    if (/^[+-]?\d+d$/.test(value)) return Number(value.slice(0, -1)) * 86400;
    const go = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(value);
    if (go) {
      let seconds = 0;
      for (const [, n, unit] of go[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
        seconds += Number(n) * UNITS[unit!]!;
      return go[1] === "-" ? -seconds : seconds;
    }
  }
  problem(`error parsing ${key}: invalid duration ${JSON.stringify(value)}`);
  return 0;
}

/** The first key given twice in one object of a (valid) JSON text, if any. */
function duplicateKey(text: string): string | undefined {
  const stack: { keys?: Set<string>; expectKey: boolean }[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const top = stack.at(-1);
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1)) as string;
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === "{") stack.push({ keys: new Set(), expectKey: true });
    else if (c === "[") stack.push({ expectKey: false });
    else if (c === "}" || c === "]") stack.pop();
    else if (c === ",") {
      const top = stack.at(-1);
      if (top?.keys) top.expectKey = true;
    }
  }
  return undefined;
}
