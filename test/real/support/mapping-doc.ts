import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { table, withSection } from "../../../reference/markdown.js";
import { mappingRows } from "../vault-applier.js";

/** docs/vault-applier.md, whose section `mapping` is the applier's mapping (test/real/vault-applier.test.ts compares). */
export const MAPPING_DOC = "docs/vault-applier.md";

/** The mapping table as the doc holds it. */
export const mappingTable = () =>
  table(["resource type (Terraform resource)", "HTTP calls of Create", "read back and compared"], mappingRows());

// `node --import tsx test/real/support/mapping-doc.ts` writes the section.
if (process.argv[1] === fileURLToPath(import.meta.url))
  writeFileSync(MAPPING_DOC, withSection(readFileSync(MAPPING_DOC, "utf8"), "mapping", mappingTable()));
