import { randomBytes } from "node:crypto";
import type { CustomResourceSpec } from "../../delivery/types.js";
import { parseDuration } from "../../registry/duration.js";
import { MOUNTS } from "../../vault/paths.js";

/**
 * Stand-ins for Vault KV v2 and for External Secrets Operator's reconcilers, enough to run the planned custom
 * resources over simulated weeks. They follow the upstream behaviour the platform relies on:
 * - KV v2 with `cas_required`: a write without `cas`, or with a stale one, is refused; every write is a version;
 *   ACL policies (the documents the runtime-authority stack publishes) decide every read and write;
 * - ESO's Vault PushSecret (providers/v1/vault/client_push.go): read the secret (absent is fine), refuse one not
 *   `managed-by: external-secrets`, return without writing when the whole secret is unchanged, write the metadata,
 *   then the data with `cas` = the version read (0 when absent) when the store requires check-and-set;
 * - ESO's ExternalSecret (pkg/controllers/externalsecret): generators make a fresh value each sync, a `data[]` key
 *   missing in the provider is skipped unless `deletionPolicy: Retain`, templates (engine v2, missingkey=error)
 *   replace or merge the data; each object syncs every `refreshInterval`.
 */

type Policies = Record<string, { path: Record<string, { capabilities: string[] }> }>;

export class AccessDenied extends Error {}

interface KvSecret {
  versions: Record<string, string>[];
  customMetadata: Record<string, string>;
}

export class KvV2 {
  readonly secrets = new Map<string, KvSecret>();
  readonly writes: { path: string; as: string; cas: number | undefined }[] = [];

  constructor(private readonly policies: Policies) {}

  /** What the runtime-authority stack wrote with the operator's token: the secret's metadata, before any value. */
  seedMetadata(key: string, customMetadata: Record<string, string>): void {
    this.secrets.set(key, { versions: [], customMetadata: { ...customMetadata } });
  }

  private allow(role: string, path: string, capability: string): void {
    if (!this.policies[role]?.path[path]?.capabilities.includes(capability))
      throw new AccessDenied(`${role} may not ${capability} ${path}`);
  }

  /** The latest version's data (GET kv/data/<key>), or undefined when there is none. */
  read(role: string, key: string): { data: Record<string, string>; version: number } | undefined {
    this.allow(role, `${MOUNTS.kv}/data/${key}`, "read");
    const s = this.secrets.get(key);
    return s && s.versions.length > 0 ? { data: { ...s.versions.at(-1)! }, version: s.versions.length } : undefined;
  }

  readMetadata(role: string, key: string): Record<string, string> {
    this.allow(role, `${MOUNTS.kv}/metadata/${key}`, "read");
    return { ...(this.secrets.get(key)?.customMetadata ?? {}) };
  }

  /** POST kv/metadata/<key>: custom_metadata is replaced as a whole. */
  writeMetadata(role: string, key: string, customMetadata: Record<string, string>): void {
    const s = this.secrets.get(key);
    this.allow(role, `${MOUNTS.kv}/metadata/${key}`, s ? "update" : "create");
    this.secrets.set(key, { versions: s?.versions ?? [], customMetadata: { ...customMetadata } });
  }

  /** POST kv/data/<key> with options.cas; the mount has cas_required. */
  write(role: string, key: string, data: Record<string, string>, cas: number | undefined): void {
    const s = this.secrets.get(key) ?? { versions: [], customMetadata: {} };
    this.allow(role, `${MOUNTS.kv}/data/${key}`, s.versions.length > 0 ? "update" : "create");
    if (cas === undefined) throw new Error(`${key}: check-and-set parameter required for this call`);
    if (cas !== s.versions.length) throw new Error(`${key}: check-and-set parameter did not match the current version`);
    s.versions.push({ ...data });
    this.secrets.set(key, s);
    this.writes.push({ path: key, as: role, cas });
  }
}

/** A Kubernetes Secret's data, by namespace/name. */
export type Secrets = Map<string, Record<string, string>>;

interface Scheduled {
  spec: CustomResourceSpec;
  /** Seconds between syncs, and the next sync time (the first is at the object's creation offset). */
  interval: number;
  due: number;
}

/** Runs ExternalSecrets and PushSecrets against a {@link KvV2}, each on its own schedule. */
export class EsoSimulation {
  readonly secrets: Secrets = new Map();
  /** How many times a PushSecret synced (each one a chance to write a KV version). */
  pushSyncs = 0;
  private readonly scheduled: Scheduled[] = [];

  constructor(
    private readonly vault: KvV2,
    /** ClusterSecretStores by name. */
    private readonly stores: Map<string, CustomResourceSpec>,
    /** Password ClusterGenerators by name. */
    private readonly generators: Map<string, CustomResourceSpec>,
  ) {}

  /** Schedules an object: it first syncs `offset` seconds in (objects are not created at the same instant). */
  add(spec: CustomResourceSpec, offset: number): void {
    const interval = parseDuration(String(spec.spec.refreshInterval)) ?? 0;
    this.scheduled.push({ spec, interval, due: offset });
  }

  /** Syncs every object due by `now` (seconds), in the order they fall due. */
  advanceTo(now: number): void {
    for (;;) {
      const next = this.scheduled.filter((s) => s.due <= now).sort((a, b) => a.due - b.due)[0];
      if (!next) return;
      if (next.spec.kind === "PushSecret") this.push(next.spec);
      else this.sync(next.spec);
      // refreshInterval 0: synced once, never again.
      next.due = next.interval > 0 ? next.due + next.interval : Number.POSITIVE_INFINITY;
    }
  }

  private roleOf(storeName: string): { role: string; cas: boolean } {
    const store = this.stores.get(storeName);
    if (!store) throw new Error(`no ClusterSecretStore ${storeName}`);
    const vault = (
      store.spec.provider as { vault: { auth: { kubernetes: { role: string } }; checkAndSet?: { required: boolean } } }
    ).vault;
    return { role: vault.auth.kubernetes.role, cas: vault.checkAndSet?.required === true };
  }

  private sync(es: CustomResourceSpec): void {
    const spec = es.spec as Record<string, any>;
    const { role } = this.roleOf(spec.secretStoreRef.name);
    const ns = es.metadata.namespace!;
    const retain = (spec.target.deletionPolicy ?? "Retain") === "Retain";
    const data: Record<string, string> = {};
    for (const from of spec.dataFrom ?? []) {
      if (from.extract) {
        const found = this.vault.read(role, from.extract.key);
        if (!found) {
          if (retain) throw new Error(`${es.metadata.name}: Secret does not exist`);
          continue;
        }
        Object.assign(data, found.data);
      } else if (from.sourceRef?.generatorRef) {
        const ref = from.sourceRef.generatorRef;
        const generator = ref.kind === "ClusterGenerator" ? this.generators.get(ref.name) : undefined;
        if (!generator || generator.spec.kind !== "Password")
          throw new Error(`${es.metadata.name}: no Password ClusterGenerator ${ref.name}`);
        // As ESO's password generator: a fresh value on every invocation, for the ExternalSecret that invoked it.
        const length = Number((generator.spec.generator as { passwordSpec: { length: number } }).passwordSpec.length);
        data.password = randomBytes(length).toString("base64url").slice(0, length);
      }
    }
    for (const ref of spec.data ?? []) {
      const found = this.vault.read(role, ref.remoteRef.key);
      const value = found?.data[ref.remoteRef.property];
      if (value === undefined) {
        if (retain) throw new Error(`${es.metadata.name}: ${ref.remoteRef.key} has no ${ref.remoteRef.property}`);
        continue;
      }
      data[ref.secretKey] = value;
    }
    const template = spec.target.template;
    let result = data;
    if (template?.data) {
      const rendered = Object.fromEntries(
        Object.entries(template.data as Record<string, string>).map(([k, t]) => [k, renderTemplate(t, data)]),
      );
      result = template.mergePolicy === "Merge" ? { ...data, ...rendered } : rendered;
    }
    const name = `${ns}/${spec.target.name}`;
    if (spec.target.immutable && this.secrets.has(name)) return;
    this.secrets.set(name, result);
  }

  private push(ps: CustomResourceSpec): void {
    const spec = ps.spec as Record<string, any>;
    this.pushSyncs++;
    const source = this.secrets.get(`${ps.metadata.namespace}/${spec.selector.secret.name}`);
    if (!source) return; // ESO reports the missing source and retries: nothing is written
    for (const ref of spec.secretStoreRefs) {
      const { role, cas } = this.roleOf(ref.name);
      for (const d of spec.data) {
        if (d.match.secretKey) throw new Error("the simulation pushes whole Secrets only");
        const key = d.match.remoteRef.remoteKey;
        const existing = this.vault.read(role, key);
        if (existing) {
          if (this.vault.readMetadata(role, key)["managed-by"] !== "external-secrets")
            throw new Error(`${key}: secret not managed by external-secrets`);
          if (spec.updatePolicy === "IfNotExists") continue;
          if (sameMap(existing.data, source)) continue;
        }
        this.vault.writeMetadata(role, key, { "managed-by": "external-secrets" });
        this.vault.write(role, key, source, cas ? (existing?.version ?? 0) : undefined);
      }
    }
  }
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => a[k] === b[k]);
}

/**
 * The part of ESO's template language (Go text/template with sprig, missingkey=error) the platform's templates use:
 * `{{ X | default Y | ... }}` where each term is `.key` (an error when missing) or `index . "key"` (empty when
 * missing), optionally parenthesized. Anything else is refused rather than guessed.
 */
export function renderTemplate(template: string, data: Record<string, string>): string {
  const m = /^\{\{\s*(.+?)\s*\}\}$/.exec(template);
  if (!m) throw new Error(`unsupported template ${template}`);
  const term = (text: string): string => {
    const t = text
      .trim()
      .replace(/^\((.*)\)$/, "$1")
      .trim();
    const field = /^\.([A-Za-z0-9_]+)$/.exec(t);
    if (field) {
      if (!(field[1]! in data)) throw new Error(`map has no entry for key "${field[1]}"`);
      return data[field[1]!]!;
    }
    const index = /^index \. "([^"]+)"$/.exec(t);
    if (index) return data[index[1]!] ?? "";
    throw new Error(`unsupported template term ${t}`);
  };
  const [first, ...rest] = m[1]!.split("|");
  let value = term(first!);
  for (const part of rest) {
    const d = /^\s*default\s+(.+)$/.exec(part);
    if (!d) throw new Error(`unsupported template function in ${part}`);
    if (value === "") value = term(d[1]!);
  }
  return value;
}
