import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "vitest";
import { scratchDir } from "../test/support/scratch.js";
import { readableFile, readableFolder, readTextFile, refusedPaths, writableFile, writableFolder } from "./files.js";

const dir = scratchDir("files-");
const file = join(dir, "a-file");
const folder = join(dir, "a-folder");
writeFileSync(file, "text\n");
mkdirSync(join(folder, "plan.json"), { recursive: true });

describe("the paths a command uses", () => {
  it("reads a file that is there, and names a missing one, a folder, or a path under a file", () => {
    assert.equal(readableFile(file), undefined);
    assert.equal(readTextFile(file), "text\n");
    assert.equal(readableFile(join(dir, "nope")), `${join(dir, "nope")}: does not exist`);
    assert.equal(readableFile(folder), `${folder}: is a folder, not a file`);
    assert.equal(readableFile(join(file, "x")), `${join(file, "x")}: does not exist`);
    assert.throws(() => readTextFile(folder), { message: `${folder}: is a folder, not a file` });
    assert.equal(readableFolder(folder), undefined);
    assert.equal(readableFolder(file), `${file}: is a file, not a folder`);
  });

  it("writes a file in a folder that is there, never in a missing folder, over a folder or under a file", () => {
    assert.equal(writableFile(file), undefined);
    assert.equal(writableFile(join(dir, "new.html")), undefined);
    assert.equal(writableFile(folder), `${folder}: is a folder, not a file`);
    assert.equal(
      writableFile(join(dir, "missing", "x.html")),
      `${join(dir, "missing", "x.html")}: its folder ${join(dir, "missing")} does not exist`,
    );
    assert.equal(
      writableFile(join(file, "deep", "x.html")),
      `${join(file, "deep", "x.html")}: ${file} is a file, not a folder`,
    );
  });

  it("writes into a folder, made when missing, but not over a file, under one, or over a folder it writes a file as", () => {
    assert.equal(writableFolder(join(dir, "new", "deeper")), undefined);
    assert.equal(writableFolder(file), `${file}: is a file, not a folder`);
    assert.equal(
      writableFolder(join(file, "out")),
      `${join(file, "out")}: cannot be made: ${file} is a file, not a folder`,
    );
    assert.equal(writableFolder(folder, ["plan.md"]), undefined);
    assert.equal(writableFolder(folder, ["plan.json"]), `${join(folder, "plan.json")}: is a folder, not a file`);
  });

  it("prints every problem with the command's name and says whether there was one", () => {
    const lines: string[] = [];
    assert.equal(
      refusedPaths("x", [undefined, false], (l) => lines.push(l)),
      false,
    );
    assert.equal(
      refusedPaths("x", [readableFile(folder), writableFolder(file)], (l) => lines.push(l)),
      true,
    );
    assert.deepEqual(lines, [`x: ${folder}: is a folder, not a file`, `x: ${file}: is a file, not a folder`]);
  });
});
