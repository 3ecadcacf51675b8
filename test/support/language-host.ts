import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import * as grpc from "@grpc/grpc-js";
import engineGrpc from "@pulumi/pulumi/proto/engine_grpc_pb.js";
import enginePb from "@pulumi/pulumi/proto/engine_pb.js";
import resourceGrpc from "@pulumi/pulumi/proto/resource_grpc_pb.js";
import emptyPb from "google-protobuf/google/protobuf/empty_pb.js";
import { parse } from "yaml";
import { readFileSync } from "node:fs";
import type { PlanMonitor } from "../../plan/engine/monitor.js";
import type { StackConfig } from "../../config/stack-file.js";

/**
 * Runs the program the way `pulumi up` does, minus the Go binaries: the SDK's own language-host runner
 * (`@pulumi/pulumi/cmd/run`) in a child Node.js process started with Pulumi.yaml's `nodeargs` and `typescript`
 * runtime options, connected over gRPC (loopback only) to a resource monitor and engine served from this process
 * by the plan monitor. What it proves: the entry point loads and runs under the real runtime as configured.
 */
export async function runUnderLanguageHost(args: { root: string; stack: StackConfig; monitor: PlanMonitor }) {
  const project = parse(readFileSync(`${args.root}/Pulumi.yaml`, "utf8")) as {
    name: string;
    main?: string;
    runtime: { options?: { nodeargs?: string; typescript?: boolean } };
  };
  const logs: { severity: number; message: string }[] = [];
  let rootUrn = "";
  const server = new grpc.Server();
  const m = args.monitor;
  const forward = <Req, Resp>(fn: (req: Req, cb: (err: Error | null, resp?: Resp) => void) => void) =>
    ((call: { request: Req }, cb: (err: Error | null, resp?: Resp) => void) =>
      fn.call(m, call.request, cb)) as grpc.handleUnaryCall<Req, Resp>;
  server.addService(resourceGrpc.ResourceMonitorService, {
    supportsFeature: forward(m.supportsFeature),
    registerResource: forward(m.registerResource),
    readResource: forward(m.readResource),
    registerResourceOutputs: forward(m.registerResourceOutputs),
    invoke: forward(m.invoke),
    registerPackage: forward(m.registerPackage),
    signalAndWaitForShutdown: forward(m.signalAndWaitForShutdown),
  });
  server.addService(engineGrpc.EngineService, {
    log: (call: { request: enginePb.LogRequest }, cb: (e: null, r: emptyPb.Empty) => void) => {
      logs.push({ severity: call.request.getSeverity(), message: call.request.getMessage() });
      cb(null, new emptyPb.Empty());
    },
    getRootResource: (_call: unknown, cb: (e: null, r: enginePb.GetRootResourceResponse) => void) => {
      const resp = new enginePb.GetRootResourceResponse();
      resp.setUrn(rootUrn);
      cb(null, resp);
    },
    setRootResource: (
      call: { request: enginePb.SetRootResourceRequest },
      cb: (e: null, r: enginePb.SetRootResourceResponse) => void,
    ) => {
      rootUrn = call.request.getUrn();
      cb(null, new enginePb.SetRootResourceResponse());
    },
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (err, p) =>
      err ? reject(err) : resolve(p),
    ),
  );
  const address = `127.0.0.1:${port}`;
  const runner = createRequire(import.meta.url).resolve("@pulumi/pulumi/cmd/run");
  const nodeargs = (project.runtime.options?.nodeargs ?? "").split(/\s+/).filter(Boolean);
  const child = spawn(
    process.execPath,
    [
      ...nodeargs,
      runner,
      `--monitor=${address}`,
      `--engine=${address}`,
      `--project=${project.name}`,
      `--stack=${args.stack.stack}`,
      "--organization=organization",
      `--pwd=${args.root}`,
      `--root-directory=${args.root}`,
      project.main ?? ".",
    ],
    {
      cwd: args.root,
      env: {
        ...process.env,
        PULUMI_CONFIG: JSON.stringify(args.stack.values),
        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(args.stack.secretKeys),
        PULUMI_NODEJS_TYPESCRIPT: String(project.runtime.options?.typescript !== false),
      },
      stdio: ["ignore", "pipe", "pipe"],
    },
  );
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const code = await new Promise<number>((resolve) => child.on("exit", (c) => resolve(c ?? -1)));
  server.forceShutdown();
  return { code, output, logs };
}
