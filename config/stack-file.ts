import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { Problem } from "../registry/problems.js";
import { PassphraseCrypter } from "./passphrase.js";
import { stackFilePath, type ConfigDeclaration, type ProjectFile } from "./project.js";

/** A stack's configuration as the CLI hands it to the program: string values by full key, and which are secret. */
export interface StackConfig {
  stack: string;
  /** The stack file, relative to the project root (for messages). */
  file: string;
  values: Record<string, string>;
  secretKeys: string[];
}

export type StackConfigResult = { ok: true; config: StackConfig } | { ok: false; problems: Problem[] };

/** Where the passphrase comes from; called only when the stack file holds secure values. */
export type PassphraseSource = () => string | undefined;

/**
 * Reads `Pulumi.<stack>.yaml` the way the CLI does before it runs a program: secure values decrypted with the
 * passphrase provider, project defaults applied, required keys and declared types checked, declared secrets
 * required to be encrypted. Secret values never enter a problem message.
 */
export function loadStackConfig(project: ProjectFile, stack: string, passphrase: PassphraseSource): StackConfigResult {
  const file = stackFilePath(project, stack);
  const path = join(project.root, file);
  if (!existsSync(path))
    return {
      ok: false,
      problems: [{ file, message: `stack file not found: create it with \`pulumi stack init ${stack}\`` }],
    };
  let doc: { config?: Record<string, unknown>; encryptionsalt?: string } | null;
  try {
    doc = parse(readFileSync(path, "utf8")) as typeof doc;
  } catch (e) {
    return { ok: false, problems: [{ file, message: `YAML: ${(e as Error).message.split("\n")[0]}` }] };
  }
  const problems: Problem[] = [];
  const values: Record<string, string> = {};
  const secretKeys: string[] = [];
  let crypter: PassphraseCrypter | undefined;
  const decrypt = (key: string, ciphertext: string): string | undefined => {
    try {
      if (!crypter) {
        if (!doc?.encryptionsalt) throw new Error("the stack file has secure values but no encryptionsalt");
        const phrase = passphrase();
        if (phrase === undefined)
          throw new Error("needs a passphrase: set PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE");
        crypter = PassphraseCrypter.open(doc.encryptionsalt, phrase);
      }
      return crypter.decrypt(ciphertext);
    } catch (e) {
      problems.push({ file, subject: key, message: `cannot decrypt secure value: ${(e as Error).message}` });
      return undefined;
    }
  };

  const raw = doc?.config ?? {};
  for (const [key, value] of Object.entries(raw)) {
    const fullKey = key.includes(":") ? key : `${project.name}:${key}`;
    const { text, secure } = configText(fullKey, value, decrypt);
    if (text === undefined) continue;
    values[fullKey] = text;
    if (secure) secretKeys.push(fullKey);
  }

  for (const [name, decl] of Object.entries(project.config)) {
    const fullKey = name.includes(":") ? name : `${project.name}:${name}`;
    if (!(fullKey in values)) {
      if (decl.default === undefined) {
        if (fullKey.startsWith(`${project.name}:`))
          problems.push({ file, subject: fullKey, message: "is required (declared in Pulumi.yaml without a default)" });
        continue;
      }
      values[fullKey] = typeof decl.default === "string" ? decl.default : JSON.stringify(decl.default);
      continue;
    }
    if (decl.secret && !secretKeys.includes(fullKey))
      problems.push({
        file,
        subject: fullKey,
        message: "is declared secret: set it with `pulumi config set --secret`",
      });
    if (!matchesType(values[fullKey]!, decl))
      problems.push({
        file,
        subject: fullKey,
        message: `must be of type ${decl.type === "array" ? `array of ${decl.items?.type}` : decl.type} (Pulumi.yaml)`,
      });
  }
  return problems.length
    ? { ok: false, problems }
    : { ok: true, config: { stack, file, values, secretKeys: secretKeys.sort() } };
}

/** The CLI passes every value as a string; objects and arrays as JSON, with nested secure values decrypted. */
function configText(
  key: string,
  value: unknown,
  decrypt: (key: string, c: string) => string | undefined,
): { text?: string; secure: boolean } {
  let secure = false;
  const open = (v: unknown): unknown => {
    if (isSecure(v)) {
      secure = true;
      return decrypt(key, v.secure);
    }
    if (Array.isArray(v)) return v.map(open);
    if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, open(x)]));
    return v;
  };
  const opened = open(value);
  if (opened === undefined) return { secure };
  if (opened !== null && typeof opened === "object") return { text: JSON.stringify(opened), secure };
  return {
    text: typeof opened === "string" || typeof opened === "number" || typeof opened === "boolean" ? String(opened) : "",
    secure,
  };
}

function isSecure(v: unknown): v is { secure: string } {
  return (
    !!v &&
    typeof v === "object" &&
    !Array.isArray(v) &&
    Object.keys(v).length === 1 &&
    typeof (v as { secure?: unknown }).secure === "string"
  );
}

function matchesType(text: string, decl: ConfigDeclaration): boolean {
  const scalar = (t: string, v: unknown) =>
    t === "string"
      ? typeof v === "string"
      : t === "integer"
        ? Number.isInteger(Number(v)) && String(v).trim() !== ""
        : t === "boolean"
          ? v === true || v === false || v === "true" || v === "false"
          : false;
  if (decl.type !== "array") return decl.type === "string" || scalar(decl.type, text);
  try {
    const parsed: unknown = JSON.parse(text);
    return Array.isArray(parsed) && parsed.every((v) => scalar(decl.items?.type ?? "string", v));
  } catch {
    return false;
  }
}
