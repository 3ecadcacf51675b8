import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { refusedPaths, writableFolder } from "../cli/files.js";
import { child } from "./children.js";
import { precompile } from "./precompile.js";
import { benchProject } from "./project.js";
import { median, table } from "./stats.js";

/** What the plan child measures (see plan-child.ts). */
interface PlanSample {
  purposes: number;
  resources: number;
  custom: number;
  /** Resources that exist for a workload identity (policy, auth role, store, issuer account), and how many identities. */
  identityResources: number;
  identities: number;
  registrations: number;
  customRegistrations: number;
  byPurposeDelivery: Record<string, number>;
  planMs: number;
  peakRssBytes: number;
  /** Each `pulumi up` run of the plan, in order, with its time. */
  runTimes: { stack: string; ms: number }[];
  /** The median of three passes of the policy pack after a first one. */
  policyMs: number;
  /** The first pass, with module and JIT warm-up: what one `npm run policy` pays. */
  policyFirstMs: number;
  policyResources: number;
}
interface BaselineSample {
  registrations: number;
  planMs: number;
  runTimes: { stack: string; ms: number }[];
  peakRssBytes: number;
}

/** The figures of one registry size: the medians of its runs, and every sample. */
export interface SizeResult {
  size: number;
  purposes: number;
  resources: number;
  /** Resources beyond the fixed platform resources (the plan with no generated purposes), per generated purpose. */
  resourcesPerPurpose: number;
  /** The same, without the resources of workload identities (they grow with workloads and teams, not purposes). */
  ownResourcesPerPurpose: number;
  identities: number;
  resourcesPerIdentity: number;
  registrations: number;
  planMs: number;
  peakRssBytes: number;
  baselineMs: number;
  baselinePeakRssBytes: number;
  policyMicrosPerResource: number;
  policyFirstMicrosPerResource: number;
  samples: { plan: PlanSample[]; baseline: BaselineSample[] };
}

/** Targets of issue 10, each checked against the medians. */
export const TARGETS = {
  resourcesPerPurpose: 3,
  timeRatio: 1.3,
  memoryRatio: 1.3,
  policyMicrosPerResource: 50,
  coldStartMs: 2000,
} as const;

const USAGE = `usage: npm run bench -- [--sizes 100,1000,5000] [--runs 3] [--cold-start-runs 5] [--out bench-out]

  --sizes            generated registry sizes (purposes) to plan                 (default: 100,1000,5000)
  --runs             runs per size; the figures are their medians                 (default: 3)
  --cold-start-runs  starts timed per way of running TypeScript (0: none)         (default: 5)
  --out              where bench.json is written                                  (default: bench-out)`;

export interface BenchIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

/**
 * `npm run bench`: the offline plan of generated registries against a bare-SDK baseline of the same resources, the
 * policy pack's cost per resource, and the program's cold start. Prints a table and writes bench.json. Returns the
 * exit code (2 on bad flags; the figures themselves never fail the command).
 */
export async function main(
  argv: readonly string[],
  io: BenchIo = { out: (l) => console.log(l), err: (l) => console.error(l) },
): Promise<number> {
  let flags: { sizes: string; runs: string; "cold-start-runs": string; out: string; help?: boolean };
  try {
    flags = parseArgs({
      args: [...argv],
      options: {
        sizes: { type: "string", default: "100,1000,5000" },
        runs: { type: "string", default: "3" },
        "cold-start-runs": { type: "string", default: "5" },
        out: { type: "string", default: "bench-out" },
        help: { type: "boolean", short: "h" },
      },
      strict: true,
    }).values;
  } catch (e) {
    io.err(`bench: ${(e as Error).message}\n${USAGE}`);
    return 2;
  }
  if (flags.help) {
    io.out(USAGE);
    return 0;
  }
  const sizes = flags.sizes.split(",").map(Number);
  const runs = Number(flags.runs);
  const coldStartRuns = Number(flags["cold-start-runs"]);
  const problems = [
    ...(sizes.every((s) => Number.isInteger(s) && s > 0)
      ? []
      : [`--sizes: ${JSON.stringify(flags.sizes)} is not a list of positive integers`]),
    ...(Number.isInteger(runs) && runs > 0 ? [] : [`--runs: ${JSON.stringify(flags.runs)} is not a positive integer`]),
    ...(Number.isInteger(coldStartRuns) && coldStartRuns >= 0
      ? []
      : [`--cold-start-runs: ${JSON.stringify(flags["cold-start-runs"])} is not a non-negative integer`]),
  ];
  if (problems.length > 0) {
    io.err(`bench: ${problems.join("; ")}\n${USAGE}`);
    return 2;
  }
  if (refusedPaths("bench", [writableFolder(flags.out, ["bench.json"])], io.err)) return 2;
  const outDir = resolve(flags.out);
  mkdirSync(outDir, { recursive: true });
  const started = performance.now();

  const coldStart = coldStartRuns > 0 ? await measureColdStart(coldStartRuns, outDir, io) : undefined;
  io.out(`bench: fixed platform resources (no generated purposes)`);
  const fixed = (await planOnce(0, outDir)).plan;
  const results: SizeResult[] = [];
  for (const size of [...sizes].sort((a, b) => a - b)) {
    const samples: SizeResult["samples"] = { plan: [], baseline: [] };
    for (let i = 0; i < runs; i++) {
      io.out(`bench: ${size} purposes, run ${i + 1} of ${runs}`);
      const { plan, baseline } = await planOnce(size, outDir);
      samples.plan.push(plan);
      samples.baseline.push(baseline);
    }
    const first = samples.plan[0]!;
    results.push({
      size,
      purposes: first.purposes,
      resources: first.resources,
      resourcesPerPurpose: (first.resources - fixed.resources) / (first.purposes - fixed.purposes),
      ownResourcesPerPurpose:
        (first.resources - first.identityResources - (fixed.resources - fixed.identityResources)) /
        (first.purposes - fixed.purposes),
      identities: first.identities,
      resourcesPerIdentity: first.identityResources / first.identities,
      registrations: first.registrations,
      planMs: median(samples.plan.map((s) => s.planMs)),
      peakRssBytes: median(samples.plan.map((s) => s.peakRssBytes)),
      baselineMs: median(samples.baseline.map((s) => s.planMs)),
      baselinePeakRssBytes: median(samples.baseline.map((s) => s.peakRssBytes)),
      policyMicrosPerResource: median(samples.plan.map((s) => (s.policyMs * 1000) / s.policyResources)),
      policyFirstMicrosPerResource: median(samples.plan.map((s) => (s.policyFirstMs * 1000) / s.policyResources)),
      samples,
    });
  }

  const report = {
    machine: { cpus: cpus().length, cpuModel: cpus()[0]?.model, memoryBytes: totalmem(), node: process.version },
    runs,
    fixed,
    sizes: results,
    coldStart,
    targets: TARGETS,
    wallSeconds: (performance.now() - started) / 1000,
  };
  writeFileSync(join(outDir, "bench.json"), `${JSON.stringify(report, null, 2)}\n`);
  for (const line of summary(results, fixed, coldStart)) io.out(line);
  io.out(`Wrote ${join(flags.out, "bench.json")} (${report.wallSeconds.toFixed(0)} s)`);
  return 0;
}

/** One plan of a generated registry and its baseline, each in a fresh process. */
async function planOnce(size: number, outDir: string): Promise<{ plan: PlanSample; baseline: BaselineSample }> {
  const root = benchProject(size);
  const record = join(outDir, `record-${size}.json`);
  try {
    const plan = await child<PlanSample>({ script: "plan-child.ts", argv: ["--root", root, "--record", record] });
    const baseline = await child<BaselineSample>({
      script: "baseline-child.ts",
      argv: ["--root", root, "--record", record],
    });
    return { plan, baseline };
  } finally {
    rmSync(root, { recursive: true, force: true });
    rmSync(record, { force: true });
  }
}

/** The cold start of each way of running the program's TypeScript, medians of `runs` starts. */
export interface ColdStart {
  /** tsx (Pulumi.yaml's nodeargs), with its transpile cache filled by an earlier start: every `pulumi up` after the first. */
  tsxMs: number;
  /** tsx with its cache disabled: the first start after an install or a change. */
  tsxUncachedMs: number;
  /** Plain JavaScript emitted beforehand (tsc), no loader. */
  precompiledMs: number;
}

async function measureColdStart(runs: number, outDir: string, io: BenchIo): Promise<ColdStart> {
  io.out(`bench: cold start, ${runs} starts each`);
  const js = join(outDir, "precompiled");
  rmSync(js, { recursive: true, force: true });
  precompile(process.cwd(), js);
  const time = async (args: Parameters<typeof child>[0]) => {
    const ms: number[] = [];
    await child(args); // warm the OS file cache (and tsx's own cache, where enabled)
    for (let i = 0; i < runs; i++) ms.push((await child<{ startMs: number }>(args)).startMs);
    return median(ms);
  };
  try {
    return {
      tsxMs: await time({ script: "cold-start-child.ts" }),
      tsxUncachedMs: await time({ script: "cold-start-child.ts", env: { TSX_DISABLE_CACHE: "1" } }),
      precompiledMs: await time({ script: join(js, "bench", "cold-start-child.js"), tsx: false }),
    };
  } finally {
    rmSync(js, { recursive: true, force: true });
  }
}

/** The printed report: one row per size, growth between sizes, and each target met or not. */
function summary(results: readonly SizeResult[], fixed: PlanSample, coldStart: ColdStart | undefined): string[] {
  const mb = (b: number) => (b / 1024 / 1024).toFixed(0);
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const lines = [
    "",
    `Fixed platform resources: ${fixed.resources} (${fixed.purposes} platform purposes, no generated ones)`,
    table(
      [
        "purposes",
        "resources",
        "per purpose",
        "registered",
        "plan s",
        "baseline s",
        "x",
        "plan MB",
        "baseline MB",
        "x",
        "policy µs/res",
        "first pass",
      ],
      results.map((r) => [
        String(r.purposes),
        String(r.resources),
        r.resourcesPerPurpose.toFixed(2),
        String(r.registrations),
        s(r.planMs),
        s(r.baselineMs),
        (r.planMs / r.baselineMs).toFixed(2),
        mb(r.peakRssBytes),
        mb(r.baselinePeakRssBytes),
        (r.peakRssBytes / r.baselinePeakRssBytes).toFixed(2),
        r.policyMicrosPerResource.toFixed(1),
        r.policyFirstMicrosPerResource.toFixed(1),
      ]),
    ),
  ];
  lines.push(
    "Where the resources are: each purpose's own, and each workload identity's (consumer or team issuer)",
    table(
      ["purposes", "own per purpose", "identities", "per identity"],
      results.map((r) => [
        String(r.purposes),
        r.ownResourcesPerPurpose.toFixed(2),
        String(r.identities),
        r.resourcesPerIdentity.toFixed(2),
      ]),
    ),
  );
  const checks: [string, boolean][] = results.flatMap((r) => [
    [
      `${r.purposes} purposes: ${r.resourcesPerPurpose.toFixed(2)} resources per purpose <= ${TARGETS.resourcesPerPurpose}`,
      r.resourcesPerPurpose <= TARGETS.resourcesPerPurpose,
    ],
    [
      `${r.purposes} purposes: ${r.ownResourcesPerPurpose.toFixed(2)} resources per purpose, workload identities apart, <= ${TARGETS.resourcesPerPurpose}`,
      r.ownResourcesPerPurpose <= TARGETS.resourcesPerPurpose,
    ],
    [
      `${r.purposes} purposes: plan time ${(r.planMs / r.baselineMs).toFixed(2)}x baseline <= ${TARGETS.timeRatio}x`,
      r.planMs / r.baselineMs <= TARGETS.timeRatio,
    ],
    [
      `${r.purposes} purposes: peak memory ${(r.peakRssBytes / r.baselinePeakRssBytes).toFixed(2)}x baseline <= ${TARGETS.memoryRatio}x`,
      r.peakRssBytes / r.baselinePeakRssBytes <= TARGETS.memoryRatio,
    ],
    [
      `${r.purposes} purposes: policy ${r.policyMicrosPerResource.toFixed(1)} µs per resource < ${TARGETS.policyMicrosPerResource}`,
      r.policyMicrosPerResource < TARGETS.policyMicrosPerResource,
    ],
  ]);
  for (let i = 1; i < results.length; i++) {
    const [a, b] = [results[i - 1]!, results[i]!];
    const plan = b.planMs / a.planMs;
    const baseline = b.baselineMs / a.baselineMs;
    lines.push(
      `Growth ${a.purposes} -> ${b.purposes} purposes: plan ${plan.toFixed(2)}x, baseline ${baseline.toFixed(2)}x, memory ${(b.peakRssBytes / a.peakRssBytes).toFixed(2)}x (baseline ${(b.baselinePeakRssBytes / a.baselinePeakRssBytes).toFixed(2)}x)`,
    );
    checks.push([
      `growth ${a.purposes} -> ${b.purposes}: plan ${plan.toFixed(2)}x no worse than baseline ${baseline.toFixed(2)}x`,
      plan <= baseline,
    ]);
  }
  if (coldStart) {
    lines.push(
      `Cold start (all phase programs imported): tsx ${coldStart.tsxMs.toFixed(0)} ms, tsx uncached ${coldStart.tsxUncachedMs.toFixed(0)} ms, precompiled ${coldStart.precompiledMs.toFixed(0)} ms`,
    );
    checks.push([
      `cold start with tsx ${coldStart.tsxMs.toFixed(0)} ms < ${TARGETS.coldStartMs} ms`,
      coldStart.tsxMs < TARGETS.coldStartMs,
    ]);
  }
  lines.push("Targets:", ...checks.map(([text, ok]) => `  ${ok ? "met    " : "MISSED "} ${text}`));
  return lines;
}
