import { cpSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { scratchDir } from "./scratch.js";

/** A copy of the project's inputs (Pulumi.yaml, stacks, purposes) with some files edited or added; returns its root. */
export function projectWith(edits: Record<string, (text: string) => string>): string {
  const root = scratchDir("project-");
  for (const part of ["Pulumi.yaml", "stacks", "purposes"]) cpSync(part, join(root, part), { recursive: true });
  for (const [file, edit] of Object.entries(edits)) {
    let text = "";
    try {
      text = readFileSync(join(root, file), "utf8");
    } catch {
      /* a new file */
    }
    writeFileSync(join(root, file), edit(text));
  }
  return root;
}
