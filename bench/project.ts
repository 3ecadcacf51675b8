import { cpSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseDocument } from "yaml";
import { generateRegistry } from "./registry.js";

/** The bootstrap stack of the bundled demo cluster, whose allowed namespaces the generated registry extends. */
const BOOTSTRAP_STACK = join("stacks", "Pulumi.demo-bootstrap.yaml");

/**
 * A copy of the bundled demo cluster (Pulumi.yaml, its stacks, the platform team's registry file, which the stacks'
 * config names) with `size` generated purposes beside it, in a fresh directory. Returns the project root.
 */
export function benchProject(size: number, from = process.cwd()): string {
  const root = mkdtempSync(join(tmpdir(), `bench-${size}-`));
  for (const part of ["Pulumi.yaml", "stacks"]) cpSync(join(from, part), join(root, part), { recursive: true });
  mkdirSync(join(root, "purposes"));
  cpSync(join(from, "purposes", "platform.yaml"), join(root, "purposes", "platform.yaml"));
  const generated = generateRegistry(size);
  for (const [file, text] of Object.entries(generated.files)) writeFileSync(join(root, "purposes", file), text);

  const stack = parseDocument(readFileSync(join(root, BOOTSTRAP_STACK), "utf8"));
  const key = ["config", "secrets-platform:allowedNamespaces"];
  const allowed = (stack.getIn(key) as { toJSON(): string[] }).toJSON();
  stack.setIn(key, [...new Set([...allowed, ...generated.bootstrapNamespaces])]);
  writeFileSync(join(root, BOOTSTRAP_STACK), stack.toString());
  return root;
}
