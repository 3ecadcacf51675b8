// `npm run schema`: regenerates the editor JSON Schema of the purpose registry from the zod schema.
// `npm test` fails when the checked-in file is not what this writes.
import { writeFileSync } from "node:fs";
import { refusedPaths, writableFile } from "../cli/files.js";
import { registryJsonSchema } from "../registry/schema.js";

export const SCHEMA_FILE = "schema/purpose-registry.schema.json";

export function renderedSchema(): string {
  return `${JSON.stringify(registryJsonSchema(), null, 2)}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  if (refusedPaths("schema", [writableFile(SCHEMA_FILE)], console.error)) process.exitCode = 2;
  else {
    writeFileSync(SCHEMA_FILE, renderedSchema());
    console.log(`wrote ${SCHEMA_FILE}`);
  }
}
