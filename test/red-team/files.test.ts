import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { parse } from "yaml";
import { describe, it } from "vitest";
import { loadRegistry, type RegistryResult, type RegistrySource } from "../../registry/load.js";
import { purpose, registryFile } from "../support/registry-factory.js";
import { scratchDir } from "../support/scratch.js";
import { assertRefused, type RedTeamCase } from "./harness.js";

/**
 * The registry folder as the red team fills it: files a careless or hostile change leaves beside the team files.
 * Each case is written to a real folder and loaded as the plan loads it (loadRegistry), since what the folder holds,
 * not only what a file says, decides which purposes are planned.
 */
function loadAsFolder(sources: readonly RegistrySource[]): RegistryResult {
  const root = scratchDir("red-team-files-");
  for (const { file, text } of sources) {
    const path = join(root, file);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, text);
  }
  const r = loadRegistry(join(root, "purposes"));
  if (r.ok) return r;
  // Problems name the folder as the working directory sees it; the cases name it purposes/.
  const shown = relative(process.cwd(), join(root, "purposes"));
  return { ok: false, problems: r.problems.map((p) => ({ ...p, file: p.file.replace(shown, "purposes") })) };
}

const payments = registryFile("payments", [purpose("external-secret")]);
const asJson = (text: string) => `${JSON.stringify(parse(text), null, 2)}\n`;

const CASES: RedTeamCase[] = [
  {
    name: "a team file saved as JSON is read, so its problems are reported, not skipped",
    files: {
      "payments.yaml": payments,
      "identity.json": asJson(registryFile("identity", [purpose("transit", { owner: "payments" }, "identity")])),
    },
    refused: [{ file: "identity.json", subject: "identity-transit", field: "owner", message: /team identity's/ }],
  },
  {
    name: "an editor's backup beside the team file is refused, not left unread",
    files: { "payments.yaml": payments, "payments.yaml~": payments },
    refused: [{ file: "payments.yaml~", message: /is not a registry file \(\*\.yaml, \*\.yml, \*\.json\)/ }],
  },
  {
    name: "a subfolder of team files is refused: the registry is one flat folder",
    files: {
      "payments.yaml": payments,
      "archive/identity.yaml": registryFile("identity", [purpose("transit", {}, "identity")]),
    },
    refused: [{ file: "archive", message: /is a folder: .*subfolders are not read/ }],
  },
  {
    name: "a hidden team file is refused instead of being passed over with the dotfiles",
    files: {
      "payments.yaml": payments,
      ".identity.yaml": registryFile("identity", [purpose("transit", {}, "identity")]),
    },
    refused: [{ file: ".identity.yaml", message: /is hidden/ }],
  },
  {
    name: "one team in two files (YAML and JSON) is refused: one file per team",
    files: {
      "payments.json": asJson(registryFile("payments", [purpose("transit")], [])),
      "payments.yaml": payments,
    },
    refused: [
      { file: "payments.yaml", message: /holds team payments's purposes, as payments\.json does: one file per team/ },
    ],
  },
  {
    name: "a file of another kind is refused, with the problems of the files that were read",
    files: {
      "notes.txt": "todo",
      "payments.yaml": registryFile("payments", [purpose("external-secret", { evidence: "nowhere" })]),
    },
    refused: [
      { file: "notes.txt", message: /is not a registry file/ },
      { file: "payments.yaml", subject: "payments-external-secret", field: "evidence", message: /nowhere/ },
    ],
  },
];

describe("red team: what the registry folder holds", () => {
  for (const c of CASES) it(`refuses: ${c.name}`, () => void assertRefused(c, loadAsFolder));

  it("reads a JSON team file as the YAML one it is equal to, and allows a README and dotfiles beside them", () => {
    const yaml = loadAsFolder([{ file: "purposes/payments.yaml", text: payments }]);
    const json = loadAsFolder([
      { file: "purposes/payments.json", text: asJson(payments) },
      { file: "purposes/README.md", text: "# Purposes\n" },
      { file: "purposes/.gitkeep", text: "" },
      { file: "purposes/.payments.json.swp", text: "\u0000binary" },
    ]);
    assert.ok(yaml.ok && json.ok, JSON.stringify(json));
    assert.deepEqual(
      json.registry.purposes.map((p) => ({ ...p, file: undefined })),
      yaml.registry.purposes.map((p) => ({ ...p, file: undefined })),
    );
    assert.equal(json.registry.purposes[0]!.file.endsWith("payments.json"), true);
  });
});
