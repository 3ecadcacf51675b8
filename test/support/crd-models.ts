import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import {
  crdModulePath,
  crdSchemaProblem,
  FIELDS_NEWER_THAN_MODELS,
  type CustomResourceObject,
} from "../../plan/engine/models/crd-schemas.js";

export type { CustomResourceObject };

/**
 * Checks custom resources against the upstream schemas that `@kubernetes-models/*` packages ship, two ways:
 * - the package's compiled JSON-schema validator (types, required fields, enums, patterns);
 * - the package's TypeScript interface, type-checked as an object literal, because CRD schemas allow unknown fields
 *   (the API server prunes them silently): excess-property checking is what turns a misspelt field into an error.
 */

function modulePath(obj: CustomResourceObject): string {
  const path = crdModulePath(obj);
  if (!path) throw new Error(`no @kubernetes-models package is registered for ${obj.apiVersion}`);
  return path;
}

/** Problems the compiled schema validators find, one line per object. */
export async function schemaProblems(objects: readonly CustomResourceObject[]): Promise<string[]> {
  const problems: string[] = [];
  for (const obj of objects) {
    modulePath(obj);
    const problem = await crdSchemaProblem(obj);
    if (problem) problems.push(`${obj.kind} ${JSON.stringify((obj.metadata as { name?: string })?.name)}: ${problem}`);
  }
  return problems;
}

/** TypeScript diagnostics of the objects typed as their package interfaces (excess properties = misspelt fields). */
export function typeProblems(objects: readonly CustomResourceObject[]): string[] {
  // Inside node_modules so the packages resolve from the generated file.
  const dir = mkdtempSync(join(process.cwd(), "node_modules", ".crd-check-"));
  const file = join(dir, "objects.ts");
  try {
    return check(file, objects);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A copy of `obj` without the fields its model predates (see FIELDS_NEWER_THAN_MODELS). */
function withoutNewerFields(obj: CustomResourceObject): CustomResourceObject {
  const copy = structuredClone(obj);
  for (const f of FIELDS_NEWER_THAN_MODELS.filter((x) => x.kind === obj.kind)) {
    const parent = f.path
      .slice(0, -1)
      .reduce<Record<string, unknown> | undefined>((o, k) => o?.[k] as Record<string, unknown> | undefined, copy);
    if (parent) delete parent[f.path.at(-1)!];
  }
  return copy;
}

function check(file: string, objects: readonly CustomResourceObject[]): string[] {
  const lines = objects
    .map(withoutNewerFields)
    .map(
      (obj, i) =>
        `import type { I${obj.kind} as T${i} } from "${modulePath(obj)}";\nexport const o${i}: T${i} = ${JSON.stringify(obj)};`,
    );
  writeFileSync(file, lines.join("\n"));
  const program = ts.createProgram([file], {
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    target: ts.ScriptTarget.ES2022,
    types: [],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, " "));
}
