import * as pulumi from "@pulumi/pulumi";
import resproto from "@pulumi/pulumi/proto/resource_pb.js";
import type provproto from "@pulumi/pulumi/proto/provider_pb.js";
import emptyPb from "google-protobuf/google/protobuf/empty_pb.js";
import structPb from "google-protobuf/google/protobuf/struct_pb.js";
import { isWireSecret, unwire, wireSecret, type WireMap } from "./wire.js";

/** What a provider model returns for one resource: the id and the output properties (plain, or wire secrets). */
export interface ModelResult {
  id: string;
  outputs: Record<string, unknown>;
}

/** A model of one resource type: behaves like the real provider's Create (real keys, certificates, computed ids). */
export type ResourceModel = (
  inputs: Record<string, unknown>,
  ctx: { name: string; urn: string; now: Date },
) => Promise<ModelResult> | ModelResult;

/** Resource options the engine receives, recorded as the plan contract documents them. */
export interface RecordedOptions {
  protect: boolean;
  retainOnDelete: boolean;
  ignoreChanges: string[];
  dependsOn: string[];
  deleteBeforeReplace: boolean;
  replaceOnChanges: string[];
  additionalSecretOutputs: string[];
  aliases: string[];
  deletedWith?: string;
  provider?: string;
  import?: string;
}

/** One registered (or read) resource, in wire form: secrets still tagged. */
export interface RecordedResource {
  urn: string;
  type: string;
  name: string;
  parent?: string;
  custom: boolean;
  /** A read (e.g. a StackReference), not a resource the stack manages. */
  read: boolean;
  /**
   * What the engine does with it, against the stack's previous run: `create` (new), `same` (inputs unchanged: the
   * provider is not called, the outputs are those of the last run), `update` (inputs changed: the model runs again).
   */
  op: "create" | "same" | "update" | "read";
  id?: string;
  inputs: WireMap;
  outputs: WireMap;
  options: RecordedOptions;
}

/** Earlier stacks' outputs, by fully qualified stack name, as StackReferences read them. */
export type StackOutputs = Map<string, { outputs: WireMap }>;

const ROOT_STACK_TYPE = "pulumi:pulumi:Stack";
/** The read response of each stack's outputs, by the outputs entry (a new entry per stack run). */
const readStructs = new WeakMap<object, structPb.Struct>();
const STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference";
type Callback<T> = (err: Error | null, resp?: T) => void;
/** Capabilities negotiated with the SDK, as a current engine answers them. Output values stay off so inputs arrive resolved. */
const FEATURES = new Set(["secrets", "resourceReferences", "deletedWith", "aliasSpecs"]);

/**
 * The resource monitor the Pulumi SDK talks to during an offline plan: the engine's side of the protocol, without
 * an engine. It computes URNs as the engine does, applies secretness as the engine does (additionalSecretOutputs,
 * and outputs that echo a secret input), answers StackReference reads from earlier stacks' real outputs, asks
 * provider models for everything else, and records every request with its options.
 */
export class PlanMonitor {
  readonly resources: RecordedResource[] = [];
  /** The Stack resource's outputs, once the program has returned. */
  stackOutputs: WireMap | undefined;
  /** Registered resources and the previous run's, by URN: looked up once per registration, so never searched. */
  private readonly byUrn = new Map<string, RecordedResource>();
  private readonly previousByUrn: ReadonlyMap<string, RecordedResource>;
  private readonly registered = new Set<string>();

  constructor(
    private readonly project: string,
    private readonly stack: string,
    private readonly modelFor: (type: string) => ResourceModel | undefined,
    private readonly stacks: StackOutputs,
    private readonly now: Date,
    /** The stack's state after its previous run (none for a new stack): unchanged resources keep their outputs. */
    previous: readonly RecordedResource[] = [],
  ) {
    this.previousByUrn = new Map(previous.filter((r) => !r.read).map((r) => [r.urn, r]));
  }

  registerResource(req: resproto.RegisterResourceRequest, callback: Callback<resproto.RegisterResourceResponse>): void {
    this.handle(callback, async () => {
      const type = req.getType();
      const name = req.getName();
      const urn = this.urn(req.getParent(), type, name);
      const inputs = (req.getObject()?.toJavaScript() ?? {}) as WireMap;
      const options = recordOptions(req);
      let id = "";
      let outputs: WireMap = {};
      // A remote component is implemented by its provider; registering it as an empty component would plan nothing.
      if (req.getRemote()) throw new Error(`the offline plan has no model of the remote component ${type}`);
      // As the engine does: two resources of one type and name under parents of one type are one URN.
      if (this.registered.has(urn)) throw new Error(`Duplicate resource URN '${urn}'; try giving it a unique name`);
      this.registered.add(urn);
      const before = this.previousByUrn.get(urn);
      const op = !before ? "create" : sameValue(before.inputs, inputs) ? "same" : "update";
      if (req.getCustom() && op === "same") {
        // The engine diffs inputs against state; with no difference the provider is not called at all.
        id = before!.id ?? "";
        outputs = before!.outputs;
      } else if (req.getCustom()) {
        const model = this.modelFor(type);
        if (!model)
          throw new Error(`the offline plan has no model of ${type}; add one in plan/engine/models before using it`);
        const result = await model(unwire(inputs) as Record<string, unknown>, { name, urn, now: this.now });
        id = result.id;
        outputs = applySecretness(inputs, result.outputs, options.additionalSecretOutputs);
      }
      const recorded: RecordedResource = {
        urn,
        type,
        name,
        parent: req.getParent() || undefined,
        custom: req.getCustom(),
        read: false,
        op,
        id: id || undefined,
        inputs,
        outputs,
        options,
      };
      this.resources.push(recorded);
      this.byUrn.set(urn, recorded);
      const resp = new resproto.RegisterResourceResponse();
      resp.setUrn(urn);
      resp.setId(id);
      resp.setObject(structPb.Struct.fromJavaScript(outputs as Record<string, never>));
      return resp;
    });
  }

  readResource(req: resproto.ReadResourceRequest, callback: Callback<resproto.ReadResourceResponse>): void {
    this.handle(callback, async () => {
      const type = req.getType();
      if (type !== STACK_REFERENCE_TYPE) throw new Error(`the offline plan cannot read existing ${type} resources`);
      const name = req.getName();
      const urn = this.urn(req.getParent(), type, name);
      const stackName = req.getId();
      // A stack's reference to itself reads its last update's outputs: none before its first (the runtime-authority
      // stack compares the KV paths it published with the registry's, vault/moves.ts).
      const own = stackName.split("/").slice(-2).join("/") === `${this.project}/${this.stack}`;
      const referenced = this.stacks.get(stackName) ?? (own ? { outputs: {} } : undefined);
      // The engine refuses a reference to a stack that does not exist; so does the plan.
      if (!referenced)
        throw new Error(`unknown stack "${stackName}": the plan has not run it (is its stack file missing?)`);
      const secretOutputNames = Object.keys(referenced.outputs)
        .filter((k) => isWireSecret(referenced.outputs[k]))
        .sort();
      const outputs: WireMap = { name: stackName, outputs: referenced.outputs, secretOutputNames };
      const inputs = (req.getProperties()?.toJavaScript() ?? {}) as WireMap;
      this.resources.push({
        urn,
        type,
        name,
        parent: req.getParent() || undefined,
        custom: true,
        read: true,
        op: "read",
        id: stackName,
        inputs,
        outputs,
        options: emptyOptions(),
      });
      const resp = new resproto.ReadResourceResponse();
      resp.setUrn(urn);
      // A stack's outputs are read by several stacks and runs; converting thousands of purposes' records to a
      // protobuf Struct once per stack run is enough.
      let struct = readStructs.get(referenced);
      if (!struct)
        readStructs.set(referenced, (struct = structPb.Struct.fromJavaScript(outputs as Record<string, never>)));
      resp.setProperties(struct);
      return resp;
    });
  }

  registerResourceOutputs(req: resproto.RegisterResourceOutputsRequest, callback: Callback<emptyPb.Empty>): void {
    this.handle(callback, async () => {
      const outputs = (req.getOutputs()?.toJavaScript() ?? {}) as WireMap;
      const resource = this.byUrn.get(req.getUrn());
      if (!resource) throw new Error(`unknown resource ${req.getUrn()}`);
      resource.outputs = outputs;
      if (resource.type === ROOT_STACK_TYPE) this.stackOutputs = outputs;
      return new emptyPb.Empty();
    });
  }

  invoke(req: provproto.InvokeRequest, callback: Callback<provproto.InvokeResponse>): void {
    this.handle(callback, async () => {
      throw new Error(`the offline plan has no model of the function ${req.getTok()}`);
    });
  }

  supportsFeature(req: resproto.SupportsFeatureRequest, callback: Callback<resproto.SupportsFeatureResponse>): void {
    const resp = new resproto.SupportsFeatureResponse();
    resp.setHassupport(FEATURES.has(req.getId()));
    callback(null, resp);
  }

  /** The SDK's last call before it exits: nothing is pending here, so shutdown is immediate. */
  signalAndWaitForShutdown(_req: unknown, callback: Callback<emptyPb.Empty>): void {
    callback(null, new emptyPb.Empty());
  }

  registerPackage(_req: unknown, callback: Callback<resproto.RegisterPackageResponse>): void {
    const resp = new resproto.RegisterPackageResponse();
    resp.setRef("offline-plan");
    callback(null, resp);
  }

  /** The engine's URN: the parent's type chain, except the root stack's, qualifies the child's type. */
  private urn(parent: string, type: string, name: string): string {
    const parentType = parent ? parent.split("::")[2]! : "";
    const qualified = parentType && parentType !== ROOT_STACK_TYPE ? `${parentType}$${type}` : type;
    return `urn:pulumi:${this.stack}::${this.project}::${qualified}::${name}`;
  }

  private handle<T>(callback: Callback<T>, work: () => Promise<T>): void {
    work().then(
      (resp) => callback(null, resp),
      (err: Error) => callback(err),
    );
  }
}

/**
 * Secretness as the engine applies it: outputs named in additionalSecretOutputs are secret, and an output that
 * echoes an input the program passed as secret stays secret.
 */
function applySecretness(inputs: WireMap, outputs: Record<string, unknown>, additional: readonly string[]): WireMap {
  const out: WireMap = {};
  for (const [key, value] of Object.entries(outputs)) {
    if (value === undefined) continue;
    const secret = isWireSecret(value) || additional.includes(key) || isWireSecret(inputs[key]);
    out[key] = secret && !isWireSecret(value) ? wireSecret(value) : value;
  }
  return out;
}

/** Deep equality of two wire values, key order aside (the engine's diff of inputs). */
function sameValue(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const ka = Object.keys(a).filter((k) => (a as Record<string, unknown>)[k] !== undefined);
  const kb = Object.keys(b).filter((k) => (b as Record<string, unknown>)[k] !== undefined);
  return (
    ka.length === kb.length &&
    ka.every((k) => sameValue((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k]))
  );
}

function recordOptions(req: resproto.RegisterResourceRequest): RecordedOptions {
  const options: RecordedOptions = {
    protect: req.getProtect() === true,
    retainOnDelete: req.getRetainondelete() === true,
    ignoreChanges: req.getIgnorechangesList(),
    dependsOn: req.getDependenciesList(),
    deleteBeforeReplace: req.getDeletebeforereplace(),
    replaceOnChanges: req.getReplaceonchangesList(),
    additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
    aliases: req.getAliasesList().map((a) => a.getUrn() || JSON.stringify(a.getSpec()?.toObject() ?? {})),
  };
  if (req.getDeletedwith()) options.deletedWith = req.getDeletedwith();
  if (req.getProvider()) options.provider = req.getProvider();
  if (req.getImportid()) options.import = req.getImportid();
  return options;
}

function emptyOptions(): RecordedOptions {
  return {
    protect: false,
    retainOnDelete: false,
    ignoreChanges: [],
    dependsOn: [],
    deleteBeforeReplace: false,
    replaceOnChanges: [],
    additionalSecretOutputs: [],
    aliases: [],
  };
}

/** Points the SDK at `monitor` for the next program run, as `pulumi up` points it at the engine. */
export function attachMonitor(monitor: PlanMonitor, project: string, stack: string, organization: string): void {
  pulumi.runtime.setMockOptions(monitor, project, stack, false, organization);
}
