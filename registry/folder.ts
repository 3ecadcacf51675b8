import { readdirSync, readFileSync, statSync } from "node:fs";
import { basename, join } from "node:path";
import type { Problem } from "./problems.js";

/**
 * What a registry folder may hold (docs/registry.md, "The registry folder"): every entry is read, allowed as
 * documentation, or refused with a problem. Nothing that could hold purposes is passed over in silence: a team file
 * saved as `.json`, a backup `payments.yaml~` or a subfolder would otherwise drop its purposes from the plan unseen.
 */

/** Registry files: YAML, and JSON (a JSON document is a YAML document, read by the same parser). */
const REGISTRY_FILE = /\.(ya?ml|json)$/;
/** Documentation beside the team files (a README), which is not read. */
const DOCUMENTATION = /\.md$/;

/** The team a registry file holds, from its name: `purposes/payments.yaml` holds team payments's purposes. */
export function teamOfFile(file: string): string {
  return basename(file).replace(REGISTRY_FILE, "");
}

/** One registry file's text (see `RegistrySource` in load.ts). */
export interface FolderFile {
  file: string;
  text: string;
}

/**
 * The registry files of `dir` (sorted by name), named `<shown>/<name>` in problems and sources, and a problem for
 * every entry the folder must not hold. Hidden entries (`.git`, `.DS_Store`, an editor's `.payments.yaml.swp`) are
 * passed over, as the shell's `*` passes over them, unless their name is a registry file's: a hidden `.payments.yaml`
 * is refused rather than left unread.
 */
export function readRegistryFolder(dir: string, shown: string): { files: FolderFile[]; problems: Problem[] } {
  const files: FolderFile[] = [];
  const problems: Problem[] = [];
  const refuse = (name: string, message: string) => problems.push({ file: join(shown, name), message });
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const registryName = REGISTRY_FILE.test(name);
    if (name.startsWith(".")) {
      if (registryName)
        refuse(name, "is hidden, so it would not be read: give it a visible name, or move it out of the registry");
      continue;
    }
    let isFolder: boolean;
    try {
      isFolder = statSync(path).isDirectory();
    } catch (e) {
      refuse(name, `cannot be read (${(e as NodeJS.ErrnoException).code ?? "unknown error"})`);
      continue;
    }
    if (isFolder) {
      refuse(name, "is a folder: the registry is one flat folder of team files, and subfolders are not read");
      continue;
    }
    if (DOCUMENTATION.test(name)) continue;
    if (!registryName) {
      refuse(
        name,
        "is not a registry file (*.yaml, *.yml, *.json) nor documentation (*.md): rename it, or move it out of the registry",
      );
      continue;
    }
    try {
      files.push({ file: join(shown, name), text: readFileSync(path, "utf8") });
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      refuse(
        name,
        code === "EACCES" || code === "EPERM" ? "cannot be read (permission denied)" : `cannot be read (${code})`,
      );
    }
  }
  return { files, problems };
}
