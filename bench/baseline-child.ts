// The bench's baseline, in a process of its own: the same custom resources the plan registered, run for run, with the
// same inputs and providers, registered directly through their provider SDK classes against the same engine and models,
// after the same stack config is read and decrypted. No registry, no components, no derivation, no outputs passed
// between resources: what the SDK's own cost is for these resources. One JSON line out.
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource } from "../plan/engine/monitor.js";
import { readProjectFile } from "../config/project.js";
import { loadStackConfig } from "../config/stack-file.js";
import { withLeanStackTraces } from "../phases/stack-traces.js";
import { cliPassphrase } from "../plan/passphrase-source.js";
import { runProgram } from "../plan/run.js";
import { fromWire, type RecordedRun } from "./record.js";
import { resourceClass } from "./resource-classes.js";

const { values } = parseArgs({ options: { record: { type: "string" }, root: { type: "string" } } });
if (!values.record || !values.root) throw new Error("usage: baseline-child --root DIR --record FILE");
const runs = readFileSync(values.record, "utf8")
  .trim()
  .split("\n")
  .map((line) => JSON.parse(line) as RecordedRun);

const started = performance.now();
// What the CLI does before any program runs, as the plan does it: read and decrypt every stack's config.
const project = readProjectFile(values.root);
for (const stack of new Set(runs.map((r) => r.stack)))
  if (!loadStackConfig(project, stack, cliPassphrase("demo", values.root)).ok)
    throw new Error(`${stack}: config does not load`);
const state = new Map<string, RecordedResource[]>();
const runTimes: { stack: string; ms: number }[] = [];
for (const run of runs) {
  const runStarted = performance.now();
  const previous = state.get(run.stack);
  // Lean stack traces while registering, as the platform's program runs (phases/stack-traces.ts): the baseline is
  // the SDK's cost as this project runs the SDK.
  const result = await runProgram(
    { project: "secrets-platform", stack: run.stack, ...(previous ? { previous } : {}) },
    () =>
      withLeanStackTraces(async () => {
        // Flat, so two resources of one type and name under different components need distinct names here.
        const seen = new Set<string>();
        // A resource bound to an explicit provider is bound to the same provider here (its own instance of it).
        const providers = new Map<string, pulumi.ProviderResource>();
        for (const r of run.resources) {
          let name = r.name;
          for (let i = 2; seen.has(`${r.type}::${name}`); i++) name = `${r.name}-${i}`;
          seen.add(`${r.type}::${name}`);
          const provider = r.provider ? providers.get(r.provider) : undefined;
          const resource = new (resourceClass(r.type))(name, fromWire(r.inputs) as pulumi.Inputs, {
            protect: r.protect,
            ...(provider ? { provider } : {}),
          });
          if (r.type.startsWith("pulumi:providers:")) providers.set(`${r.type}::${r.name}`, resource);
        }
        return {};
      }),
  );
  state.set(run.stack, result.resources);
  runTimes.push({ stack: run.stack, ms: performance.now() - runStarted });
}
const planMs = performance.now() - started;
process.stdout.write(
  `${JSON.stringify({ registrations: runs.reduce((n, r) => n + r.resources.length, 0), planMs, runTimes, peakRssBytes: process.resourceUsage().maxRSS * 1024 })}\n`,
);
