import { mechanismOf } from "../delivery/mechanisms/index.js";
import type { Registry } from "../registry/load.js";
import type { Problem } from "../registry/problems.js";
import type { RegisteredPurpose } from "../registry/purpose.js";
import type { Purpose } from "../registry/schema.js";
import { aclRule, type AclPolicy } from "./acl.js";
import { kvDataPath, kvMetadataPath, kvSecretPath, MOUNTS, moveJobName, moveRoleName } from "./paths.js";

/**
 * Moves of KV values (docs/phases/3-runtime-authority.md, "Moves"). A KV secret's path derives from the purpose's
 * owner and id (vault/paths.ts), so an owner change or an id rename points the purpose at a path where nothing is
 * stored. The runtime-authority stack publishes each purpose's path (`kvSecrets`); the next run compares the
 * registry's paths with those, refuses a changed path the contract does not explain, and registers one move (a
 * one-shot Job) per purpose whose `movedFrom` names where its value is. Pure: no Pulumi.
 */

/** Owner and id of the KV secret a purpose's value moves from, when its contract says it moved. */
export function movedFromSecret(
  p: Pick<Purpose, "id" | "owner" | "movedFrom">,
): Pick<Purpose, "id" | "owner"> | undefined {
  return p.movedFrom ? { owner: p.movedFrom.owner ?? p.owner, id: p.movedFrom.id ?? p.id } : undefined;
}

/** Whether a purpose's value lives in Vault KV (whatever writes it), so a change of its path moves a value. */
export function holdsKvValue(p: RegisteredPurpose): boolean {
  return mechanismOf(p).vault.engine === "kv";
}

/** One move: a one-shot Job in Vault's namespace, with an identity allowed exactly this copy. */
export interface KvMoveLayout {
  purpose: string;
  owner: string;
  /** The KV secret the value moves from and to: path inside the kv mount, full data and metadata paths. */
  from: { path: string; dataPath: string; metadataPath: string };
  to: { path: string; dataPath: string; metadataPath: string };
  namespace: string;
  /** The Job and its service account, and its Kubernetes auth role and policy. */
  jobName: string;
  role: string;
  policy: AclPolicy;
}

const secretPaths = (s: Pick<Purpose, "id" | "owner">) => ({
  path: kvSecretPath(s),
  dataPath: kvDataPath(s),
  metadataPath: kvMetadataPath(s),
});

/**
 * The move's policy, for as long as the contract carries `movedFrom`: read every version of the old secret and its
 * metadata; create and update the new one's versions (check-and-set keeps every write in order) and read them back
 * to resume. Nothing else: not the old secret's writes or deletes, not any other purpose.
 */
export function movePolicy(p: Pick<Purpose, "id" | "owner" | "movedFrom">): AclPolicy | undefined {
  const from = movedFromSecret(p);
  if (!from) return undefined;
  return {
    name: moveRoleName(p),
    rules: [
      aclRule(p, kvDataPath(from), ["read"], "read every live version of the old path"),
      aclRule(p, kvMetadataPath(from), ["read"], "list the old path's versions"),
      aclRule(p, kvDataPath(p), ["create", "read", "update"], "copy the versions in order, check-and-set"),
      aclRule(p, kvMetadataPath(p), ["read"], "see how many versions are already copied"),
    ],
  };
}

/** The identity (`namespace/serviceAccount`) of a purpose's move Job, entitled to its paths while it moves. */
export function moveIdentity(p: Pick<Purpose, "id" | "movedFrom">, vaultNamespace: string): string | undefined {
  return p.movedFrom ? `${vaultNamespace}/${moveJobName(p)}` : undefined;
}

/** Every move the registry asks for, sorted by purpose id; its Jobs run in Vault's namespace. */
export function kvMoves(registry: Registry, vaultNamespace: string): KvMoveLayout[] {
  return registry.purposes.flatMap((p) => {
    const from = movedFromSecret(p);
    const policy = movePolicy(p);
    if (!from || !policy || !holdsKvValue(p)) return [];
    return [
      {
        purpose: p.id,
        owner: p.owner,
        from: secretPaths(from),
        to: secretPaths(p),
        namespace: vaultNamespace,
        jobName: moveJobName(p),
        role: moveRoleName(p),
        policy,
      },
    ];
  });
}

/** What the runtime-authority stack last published of each purpose's KV secret (`kvSecrets`), by purpose id. */
export type PublishedKvSecrets = Readonly<Record<string, { readonly path: string }>>;

/** The owner part of a published data path, `kv/data/<owner>/<id>`. */
function ownerOf(dataPath: string): string | undefined {
  const prefix = `${MOUNTS.kv}/data/`;
  return dataPath.startsWith(prefix) ? dataPath.slice(prefix.length).split("/")[0] : undefined;
}

/**
 * The registry's KV paths against those the stack last published, every problem at once:
 * - a purpose published at another path, whose contract does not say it moved from there: its value would be
 *   left behind and consumers would read an empty path (field `owner`);
 * - a `movedFrom` naming a path where the stack published no value, unless the purpose is already at its new
 *   path (the move is done; removing `movedFrom` ends it) (field `movedFrom`).
 * Nothing is checked before the stack has published any (a new cluster stores nothing yet).
 */
export function moveProblems(registry: Registry, published: PublishedKvSecrets | undefined, stack: string): Problem[] {
  if (!published) return [];
  const publishedPaths = new Set(Object.values(published).map((s) => s.path));
  const problems: Problem[] = [];
  for (const p of registry.purposes) {
    if (!holdsKvValue(p)) continue;
    const now = kvDataPath(p);
    const before = published[p.id]?.path;
    const from = movedFromSecret(p);
    if (from) {
      const source = kvDataPath(from);
      if (before !== now && !publishedPaths.has(source))
        problems.push({
          file: p.file,
          subject: p.id,
          field: "movedFrom",
          message: `names ${source}, where the ${stack} stack published no value${before ? ` (it published ${before})` : ""}: give the owner and id the value had there`,
        });
    } else if (before !== undefined && before !== now)
      problems.push({
        file: p.file,
        subject: p.id,
        // Keyed by id, a published path differs from the contract's only in its owner.
        field: "owner",
        message: `moves the value from ${before} (published by the ${stack} stack) to ${now}, where nothing is stored: add movedFrom: { owner: ${ownerOf(before)} } to copy it there with its versions (docs/registry.md, "Moves")`,
      });
  }
  return problems;
}
