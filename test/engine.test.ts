import assert from "node:assert/strict";
import { describe, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import type { RecordedResource, StackOutputs } from "../plan/engine/monitor.js";
import { isWireSecret, unwire, wireSecret } from "../plan/engine/wire.js";
import { runProgram } from "../plan/run.js";
import { RESOURCE_TYPES } from "../policies/resource-types.js";

const target = { project: "p", stack: "s" };
const find = (resources: RecordedResource[], name: string) => resources.find((r) => r.name === name)!;

/** A custom resource of any type token, as a provider SDK class would register it. */
class Raw extends pulumi.CustomResource {
  constructor(type: string, name: string, props: pulumi.Inputs, opts?: pulumi.CustomResourceOptions) {
    super(type, name, props, opts);
  }
}

class Group extends pulumi.ComponentResource {
  constructor(name: string, opts?: pulumi.ComponentResourceOptions) {
    super("test:index:Group", name, {}, opts);
  }
}

describe("the plan engine", () => {
  it("computes URNs as the engine does: parent type chain, root stack omitted", async () => {
    const { resources } = await runProgram(target, async () => {
      const outer = new Group("outer");
      const inner = new Group("inner", { parent: outer });
      new Raw(RESOURCE_TYPES.vaultAudit, "leaf", { type: "file", path: "leaf" }, { parent: inner });
      return {};
    });
    assert.equal(find(resources, "outer").urn, "urn:pulumi:s::p::test:index:Group::outer");
    assert.equal(
      find(resources, "leaf").urn,
      "urn:pulumi:s::p::test:index:Group$test:index:Group$vault:index/audit:Audit::leaf",
    );
    assert.equal(find(resources, "leaf").parent, find(resources, "inner").urn);
  });

  it("records every resource option the engine receives", async () => {
    const { resources } = await runProgram(target, async () => {
      const first = new Raw(RESOURCE_TYPES.vaultAudit, "first", { type: "file", path: "first" });
      new Raw(
        RESOURCE_TYPES.vaultAudit,
        "second",
        { type: "file", path: "second" },
        {
          protect: true,
          retainOnDelete: true,
          ignoreChanges: ["path"],
          dependsOn: [first],
          deleteBeforeReplace: true,
          replaceOnChanges: ["special"],
          aliases: [{ name: "old-second" }],
        },
      );
      return {};
    });
    const o = find(resources, "second").options;
    assert.equal(o.protect, true);
    assert.equal(o.retainOnDelete, true);
    assert.deepEqual(o.ignoreChanges, ["path"]);
    assert.deepEqual(o.dependsOn, [find(resources, "first").urn]);
    assert.equal(o.deleteBeforeReplace, true);
    assert.deepEqual(o.replaceOnChanges, ["special"]);
    assert.equal(o.aliases.length, 1);
  });

  it("keeps secrets secret: additionalSecretOutputs, and outputs that echo a secret input", async () => {
    const { resources } = await runProgram(target, async () => {
      // A mount echoes its inputs and adds the accessor Vault assigns.
      new Raw(RESOURCE_TYPES.vaultMount, "echo", { path: "echo", type: "kv", description: pulumi.secret("!") });
      new Raw(
        RESOURCE_TYPES.vaultMount,
        "declared",
        { path: "declared", type: "kv" },
        { additionalSecretOutputs: ["accessor"] },
      );
      return {};
    });
    assert.ok(isWireSecret(find(resources, "echo").inputs.description));
    assert.ok(isWireSecret(find(resources, "echo").outputs.description));
    assert.ok(!isWireSecret(find(resources, "echo").outputs.accessor));
    assert.ok(isWireSecret(find(resources, "declared").outputs.accessor));
  });

  it("answers stack references from earlier stacks' real outputs, secret ones still secret", async () => {
    const stacks: StackOutputs = new Map([
      ["organization/p/earlier", { outputs: { open: "a", hidden: wireSecret("b") } }],
    ]);
    let details: unknown[] = [];
    await runProgram({ ...target, stacks }, async () => {
      const ref = new pulumi.StackReference("earlier", { name: "organization/p/earlier" });
      details = [await ref.getOutputDetails("open"), await ref.getOutputDetails("hidden")];
      return {};
    });
    assert.deepEqual(details, [{ value: "a" }, { secretValue: "b" }]);
    await assert.rejects(
      runProgram(target, async () => {
        await new pulumi.StackReference("missing", { name: "organization/p/missing" }).getOutputDetails("x");
        return {};
      }),
      /unknown stack "organization\/p\/missing"/,
    );
  });

  it("refuses a resource type it has no model of, and remote components, by name", async () => {
    await assert.rejects(
      runProgram(target, async () => {
        const r = new Raw("aws:s3/bucket:Bucket", "logs", { bucket: "logs" });
        return { id: r.id };
      }),
      /no model of aws:s3\/bucket:Bucket/,
    );
    // Nor does it model a provider the program does not use: a random resource fails the plan by name (docs/design.md).
    await assert.rejects(
      runProgram(target, async () => ({
        id: new Raw("random:index/randomPassword:RandomPassword", "pw", { length: 24 }).id,
      })),
      /no model of random:index\/randomPassword:RandomPassword/,
    );
    await assert.rejects(
      runProgram(target, async () => {
        const chart = new pulumi.ComponentResource("kubernetes:helm.sh/v4:Chart", "chart", {}, {}, true);
        return { urn: chart.urn };
      }),
      /no model of the remote component kubernetes:helm\.sh\/v4:Chart/,
    );
  });
});

describe("provider models", () => {
  it("kubernetes: API-server metadata, auto-naming, namespaced and cluster-scoped ids, Secret stringData", async () => {
    const { resources } = await runProgram(target, async () => {
      new Raw("kubernetes:core/v1:Namespace", "team", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: "team" },
      });
      new Raw(
        "kubernetes:core/v1:Secret",
        "creds",
        { apiVersion: "v1", kind: "Secret", stringData: { token: "t0k" } },
        { additionalSecretOutputs: ["data", "stringData"] },
      );
      new Raw("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository", "repo", {
        apiVersion: "source.toolkit.fluxcd.io/v1",
        kind: "GitRepository",
        metadata: { name: "platform", namespace: "flux-system" },
      });
      return {};
    });
    assert.equal(find(resources, "team").id, "team");
    const creds = find(resources, "creds");
    assert.match(creds.id!, /^default\/creds-[0-9a-f]{8}$/);
    const meta = unwire(creds.outputs.metadata) as Record<string, unknown>;
    assert.match(meta.uid as string, /^[0-9a-f-]{36}$/);
    assert.equal(meta.namespace, "default");
    assert.ok(isWireSecret(creds.outputs.data));
    assert.deepEqual(unwire(creds.outputs.data), { token: Buffer.from("t0k").toString("base64") });
    assert.equal(find(resources, "repo").id, "flux-system/platform");
  });
});
