import assert from "node:assert/strict";
import { readProjectFile } from "../../config/project.js";
import { loadStackConfig } from "../../config/stack-file.js";
import { cliPassphrase } from "../../plan/passphrase-source.js";

/**
 * Every decrypted secure config value of the given demo stacks, in the forms it could leak in (as is, base64, and
 * each long line of a multi-line key): what no plan, report or packet may contain.
 */
export function demoSecretCanaries(stacks: readonly string[]): string[] {
  const project = readProjectFile();
  const canaries: string[] = [];
  for (const stack of stacks) {
    const config = loadStackConfig(project, stack, cliPassphrase("demo"));
    assert.ok(config.ok);
    for (const key of config.config.secretKeys) {
      const value = config.config.values[key]!;
      canaries.push(
        value,
        Buffer.from(value).toString("base64"),
        ...value.split("\n").filter((line) => line.length >= 16),
      );
    }
  }
  assert.ok(canaries.length >= 4, "the demo has secure values to look for");
  return canaries;
}
