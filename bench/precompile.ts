import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, relative } from "node:path";
import ts from "typescript";

/** Folders of the program (what the entry point can import), as tsconfig.json includes them; tests are not shipped. */
const PROGRAM_DIRS = [
  "access",
  "bench",
  "components",
  "config",
  "delivery",
  "evidence",
  "gitops",
  "phases",
  "pki",
  "plan",
  "policies",
  "posture",
  "registry",
  "vault",
];

/**
 * The program as `tsc` would emit it, into `outDir` (which must be inside the project so node_modules resolve): each
 * file transpiled alone, which equals tsc's emit because the project compiles with `isolatedModules`. Returns the
 * number of files written. The bench uses it to time a precompiled start against tsx's.
 */
export function precompile(root: string, outDir: string): number {
  const config = ts.readConfigFile(join(root, "tsconfig.json"), (f) => readFileSync(f, "utf8"));
  const { options } = ts.convertCompilerOptionsFromJson(
    (config.config as { compilerOptions?: unknown }).compilerOptions,
    root,
  );
  const files = [join(root, "index.ts"), ...PROGRAM_DIRS.flatMap((d) => tsFiles(join(root, d)))];
  for (const file of files) {
    const out = join(outDir, relative(root, file)).replace(/\.ts$/, ".js");
    // The package is ESM ("type": "module"), which NodeNext reads from package.json; one file alone cannot.
    const { outputText } = ts.transpileModule(readFileSync(file, "utf8"), {
      compilerOptions: { ...options, module: ts.ModuleKind.ES2022, noEmit: false, sourceMap: false },
      fileName: file,
    });
    mkdirSync(dirname(out), { recursive: true });
    writeFileSync(out, outputText);
  }
  return files.length;
}

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? tsFiles(join(dir, e.name))
      : e.name.endsWith(".ts") && !e.name.endsWith(".d.ts")
        ? [join(dir, e.name)]
        : [],
  );
}
