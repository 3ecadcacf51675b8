import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import { describe, it } from "vitest";
import { main as plan } from "../plan/cli.js";
import { generatedSection } from "../reference/markdown.js";
import { GENERATED, main as docs } from "../scripts/docs.js";
import { scratchDir } from "./support/scratch.js";

/** README.md and every Markdown file under docs/, as paths relative to the project root. */
function documents(): string[] {
  const under = (dir: string): string[] =>
    readdirSync(dir).flatMap((entry) => {
      const path = join(dir, entry);
      return statSync(path).isDirectory() ? under(path) : path.endsWith(".md") ? [path] : [];
    });
  return ["README.md", ...under("docs")].sort();
}

/** The text a reader sees as prose: fenced blocks and code spans hold commands and examples, not links. */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "").replace(/`[^`]*`/g, "");
}

/** GitHub's heading anchor: lowercase, punctuation dropped except '-' and '_', each space a '-'. */
function slug(heading: string): string {
  const text = heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, "$1") // a link's text, not its target
    .replace(/`([^`]*)`/g, "$1")
    .replace(/<[^>]+>/g, "")
    .replace(/(\*\*|__|\*)/g, "");
  return text
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
    .replace(/ /g, "-");
}

/** Every anchor a Markdown file offers: its ATX headings, a repeated one suffixed -1, -2, ... as GitHub does. */
function anchors(markdown: string): Set<string> {
  const seen = new Map<string, number>();
  const result = new Set<string>();
  const text = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, "");
  for (const [, heading] of text.matchAll(/^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$/gm)) {
    const base = slug(heading!);
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    result.add(n === 0 ? base : `${base}-${n}`);
  }
  return result;
}

/** Relative links (inline and reference definitions) of a document: `[text](target)`, `![alt](target)`, `[x]: target`. */
function relativeLinks(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((m) => m[1]!);
  const definitions = [...text.matchAll(/^\s{0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s+"[^"]*")?\s*$/gm)].map((m) => m[1]!);
  return [...inline, ...definitions].filter((t) => !/^[a-z][a-z0-9+.-]*:/i.test(t));
}

/** What is wrong with each relative link of the documents, one line per broken link. */
function brokenLinks(files: readonly string[]): string[] {
  const problems: string[] = [];
  for (const file of files) {
    const markdown = readFileSync(file, "utf8");
    for (const link of relativeLinks(markdown)) {
      const [path = "", anchor] = link.split("#", 2) as [string, string | undefined];
      const target = path ? join(dirname(file), decodeURIComponent(path)) : file;
      if (!existsSync(target)) {
        problems.push(`${file}: ${link}: ${relative(".", target)} does not exist`);
        continue;
      }
      if (anchor === undefined) continue;
      if (!target.endsWith(".md") || statSync(target).isDirectory()) {
        problems.push(`${file}: ${link}: #${anchor} points into ${relative(".", target)}, which has no headings`);
        continue;
      }
      const offered = anchors(target === file ? markdown : readFileSync(target, "utf8"));
      if (!offered.has(decodeURIComponent(anchor)))
        problems.push(`${file}: ${link}: ${relative(".", target)} has no heading #${anchor}`);
    }
  }
  return problems;
}

describe("the documentation", () => {
  it("slugs headings as GitHub does", () => {
    assert.equal(slug("Phase 0: the offline root of trust"), "phase-0-the-offline-root-of-trust");
    assert.equal(slug("plan.json (schemaVersion 1)"), "planjson-schemaversion-1");
    assert.equal(slug("`@pulumi/random` is not a dependency"), "pulumirandom-is-not-a-dependency");
    assert.equal(slug("Who can read what"), "who-can-read-what");
    assert.equal(slug("snake_case and kebab-case stay"), "snake_case-and-kebab-case-stay");
    assert.deepEqual([...anchors("# Notes\n\n```sh\n# not a heading\n```\n\n## Notes\n")], ["notes", "notes-1"]);
  });

  it("every relative link in README.md and docs/ reaches an existing file, and every #anchor a heading of it", () => {
    const files = documents();
    assert.ok(
      files.includes("docs/registry.md") && files.includes("docs/phases/3-runtime-authority.md"),
      files.join(", "),
    );
    assert.ok(
      relativeLinks(readFileSync("README.md", "utf8")).filter((l) => l.startsWith("docs/")).length >= 10,
      "README.md maps the docs",
    );
    assert.deepEqual(brokenLinks(files), []);
  });

  it("lists the policy pack's rules, the delivery mechanisms, the distributions, the duration limits and the reserved names exactly as the code renders them", () => {
    assert.deepEqual(GENERATED.map((g) => g.section).sort(), [
      "distributions",
      "duration-limits",
      "mechanisms",
      "reserved",
      "rules",
    ]);
    for (const { file, section, render } of GENERATED)
      assert.equal(
        generatedSection(readFileSync(file, "utf8"), section),
        render(),
        `${file} (${section}) is stale: run \`npm run docs\``,
      );
    const lines: string[] = [];
    assert.equal(docs(["--check"], { out: (l) => lines.push(l), err: (l) => lines.push(l) }), 0, lines.join("\n"));
  });

  it("shows the registry errors exactly as `npm run plan` prints them for examples/bad-registry, with exit code 2", async () => {
    const blocks = [...readFileSync("docs/registry.md", "utf8").matchAll(/^```[^\n]*\n([\s\S]*?)^```$/gm)].map((m) =>
      m[1]!.trimEnd().split("\n"),
    );
    const shown = blocks.find((b) => b[0]!.startsWith("$ npm run plan -- --registry examples/bad-registry"));
    assert.ok(shown, "docs/registry.md shows `$ npm run plan -- --registry examples/bad-registry` and its output");
    const args = shown[0]!.replace(/^\$ npm run plan -- /, "").split(/\s+/);
    const printed: string[] = [];
    // --out only keeps the run hermetic should the registry ever plan; an invalid one writes nothing anywhere.
    const code = await plan([...args, "--out", scratchDir("docs-plan-")], {
      out: (l) => printed.push(l),
      err: (l) => printed.push(l),
    });
    assert.equal(code, 2, printed.join("\n"));
    assert.deepEqual(
      printed.flatMap((l) => l.split("\n")),
      shown.slice(1),
    );
  });
});
