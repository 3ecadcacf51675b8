import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** The name of the index of an evidence folder. */
export const INDEX_FILE = "index.json";

/**
 * What is in an evidence folder before packets are written into it: the files an earlier run wrote (its index and
 * every packet and signature the index lists) that this run does not write again, to be removed so that no stale
 * packet, still signed, of a component the registry no longer has is left beside the new ones. A folder holding
 * anything else is refused (a problem line), because it is not an evidence folder and nothing of it may be lost.
 * Hidden entries (`.gitkeep`) are left alone.
 */
export function previousEvidence(dir: string, writing: readonly string[]): { stale: string[] } | { problem: string } {
  if (!existsSync(dir)) return { stale: [] };
  const present = readdirSync(dir).filter((name) => !name.startsWith("."));
  let listed: string[] = [];
  if (present.includes(INDEX_FILE)) {
    const files = indexedFiles(readFileSync(join(dir, INDEX_FILE), "utf8"));
    if (!files) return { problem: `${join(dir, INDEX_FILE)}: is not an evidence index (its packets list)` };
    listed = [INDEX_FILE, ...files];
  }
  const written = new Set(writing);
  const foreign = present.filter((name) => !written.has(name) && !listed.includes(name)).sort();
  if (foreign.length > 0)
    return {
      problem: `${dir}: holds ${foreign.join(", ")}, which no evidence index there lists: write evidence into an empty folder or the one it was written to before`,
    };
  return { stale: present.filter((name) => listed.includes(name) && !written.has(name)).sort() };
}

/** Every packet and signature file an index lists, or `undefined` when the text is not an evidence index. */
function indexedFiles(text: string): string[] | undefined {
  let index: unknown;
  try {
    index = JSON.parse(text);
  } catch {
    return undefined;
  }
  const packets = (index as { packets?: unknown } | null)?.packets;
  if (!Array.isArray(packets)) return undefined;
  const files: string[] = [];
  for (const p of packets as { file?: unknown; signature?: unknown }[]) {
    // Names only: an index naming `../x` must not make this run remove a file outside the folder.
    for (const name of [p?.file, p?.signature])
      if (typeof name === "string" && name !== "" && !/[/\\]/.test(name) && name !== "." && name !== "..")
        files.push(name);
  }
  return files;
}
