import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";

/** One key as `Pulumi.yaml` declares it (the CLI's project config type declaration). */
export interface ConfigDeclaration {
  type: "string" | "integer" | "boolean" | "array";
  items?: { type: "string" | "integer" | "boolean" };
  description?: string;
  secret?: boolean;
  default?: unknown;
}

/** What the plan needs of `Pulumi.yaml`: the project name, where stack files live, and the declared keys. */
export interface ProjectFile {
  root: string;
  name: string;
  stackConfigDir: string;
  config: Record<string, ConfigDeclaration>;
}

/** Reads `Pulumi.yaml` in `root`. The same file the CLI reads is the single source of the config declarations. */
export function readProjectFile(root = process.cwd()): ProjectFile {
  const raw = parse(readFileSync(join(root, "Pulumi.yaml"), "utf8")) as {
    name: string;
    stackConfigDir?: string;
    config?: Record<string, ConfigDeclaration>;
  };
  return { root, name: raw.name, stackConfigDir: raw.stackConfigDir ?? ".", config: raw.config ?? {} };
}

/** `stacks/Pulumi.demo-root-trust.yaml`, relative to the project root. */
export function stackFilePath(project: Pick<ProjectFile, "stackConfigDir">, stack: string): string {
  return join(project.stackConfigDir, `Pulumi.${stack}.yaml`);
}
