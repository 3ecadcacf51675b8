import assert from "node:assert/strict";
import { formatProblem, validateRegistry, type Problem } from "../../registry/index.js";

/**
 * The red team's registries: hostile or careless registry files, each with the problems validation must report.
 * One file per area (`tenancy.test.ts`, `names.test.ts`, ...) holds a table of cases; a case is refused when every
 * expected problem is reported (file, purpose and field named), whatever else is reported beside it.
 */
export interface RedTeamCase {
  /** What the registry tries, in the words of the contract it breaks. */
  name: string;
  /** Registry files by name (`payments.yaml`), as text. */
  files: Record<string, string>;
  /** Problems that must be among those reported. `file` is the name in `files`. */
  refused: readonly { file: string; subject?: string; field?: string; message: RegExp }[];
}

/** Validates the case's files as `purposes/<name>` and asserts every expected problem is reported. */
export function assertRefused(c: RedTeamCase, validate = validateRegistry): Problem[] {
  const r = validate(Object.entries(c.files).map(([file, text]) => ({ file: `purposes/${file}`, text })));
  assert.ok(!r.ok, `${c.name}: the registry was accepted`);
  const shown = r.problems.map(formatProblem).join("\n");
  for (const want of c.refused) {
    const hit = r.problems.find(
      (p) =>
        p.file === `purposes/${want.file}` &&
        (want.subject === undefined || p.subject === want.subject) &&
        (want.field === undefined || p.field === want.field) &&
        want.message.test(p.message),
    );
    assert.ok(
      hit,
      `${c.name}: expected ${want.file}: ${want.subject ?? "*"}: ${want.field ?? "*"}: ${want.message}, got:\n${shown}`,
    );
  }
  return r.problems;
}
