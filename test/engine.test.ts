import assert from "node:assert/strict";
import { describe, it } from "vitest";
import * as pulumi from "@pulumi/pulumi";
import bcrypt from "bcryptjs";
import type { RecordedResource, StackOutputs } from "../plan/engine/monitor.js";
import { isWireSecret, unwire, wireSecret, type WireMap } from "../plan/engine/wire.js";
import { runProgram } from "../plan/run.js";

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
      new Raw("random:index/randomUuid:RandomUuid", "leaf", {}, { parent: inner });
      return {};
    });
    assert.equal(find(resources, "outer").urn, "urn:pulumi:s::p::test:index:Group::outer");
    assert.equal(find(resources, "leaf").urn, "urn:pulumi:s::p::test:index:Group$test:index:Group$random:index/randomUuid:RandomUuid::leaf");
    assert.equal(find(resources, "leaf").parent, find(resources, "inner").urn);
  });

  it("records every resource option the engine receives", async () => {
    const { resources } = await runProgram(target, async () => {
      const first = new Raw("random:index/randomUuid:RandomUuid", "first", {});
      new Raw("random:index/randomString:RandomString", "second", { length: 8 }, {
        protect: true,
        retainOnDelete: true,
        ignoreChanges: ["length"],
        dependsOn: [first],
        deleteBeforeReplace: true,
        replaceOnChanges: ["special"],
        aliases: [{ name: "old-second" }],
      });
      return {};
    });
    const o = find(resources, "second").options;
    assert.equal(o.protect, true);
    assert.equal(o.retainOnDelete, true);
    assert.deepEqual(o.ignoreChanges, ["length"]);
    assert.deepEqual(o.dependsOn, [find(resources, "first").urn]);
    assert.equal(o.deleteBeforeReplace, true);
    assert.deepEqual(o.replaceOnChanges, ["special"]);
    assert.equal(o.aliases.length, 1);
  });

  it("keeps secrets secret: additionalSecretOutputs, and outputs that echo a secret input", async () => {
    const { resources } = await runProgram(target, async () => {
      new Raw("random:index/randomString:RandomString", "echo", { length: 4, overrideSpecial: pulumi.secret("!") });
      new Raw("random:index/randomUuid:RandomUuid", "declared", {}, { additionalSecretOutputs: ["result"] });
      return {};
    });
    assert.ok(isWireSecret(find(resources, "echo").inputs.overrideSpecial));
    assert.ok(isWireSecret(find(resources, "echo").outputs.overrideSpecial));
    assert.ok(!isWireSecret(find(resources, "echo").outputs.result));
    assert.ok(isWireSecret(find(resources, "declared").outputs.result));
  });

  it("answers stack references from earlier stacks' real outputs, secret ones still secret", async () => {
    const stacks: StackOutputs = new Map([["organization/p/earlier", { outputs: { open: "a", hidden: wireSecret("b") } as WireMap }]]);
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
  it("random: passwords honour length, classes and minimums, are secret, and come with a matching bcrypt hash", async () => {
    const { resources } = await runProgram(target, async () => {
      new Raw("random:index/randomPassword:RandomPassword", "pw", { length: 24, minUpper: 2, minNumeric: 2, minSpecial: 2, overrideSpecial: "_%" });
      new Raw("random:index/randomPassword:RandomPassword", "pw2", { length: 24 });
      return {};
    });
    const pw = find(resources, "pw");
    assert.ok(isWireSecret(pw.outputs.result) && isWireSecret(pw.outputs.bcryptHash));
    const result = unwire(pw.outputs.result) as string;
    assert.equal(result.length, 24);
    assert.ok((result.match(/[A-Z]/g) ?? []).length >= 2 && (result.match(/[0-9]/g) ?? []).length >= 2 && (result.match(/[_%]/g) ?? []).length >= 2);
    assert.ok(/^[A-Za-z0-9_%]+$/.test(result));
    assert.ok(bcrypt.compareSync(result, unwire(pw.outputs.bcryptHash) as string));
    assert.notEqual(result, unwire(find(resources, "pw2").outputs.result));
  });

  it("random: bytes are secret; ids have the provider's encodings", async () => {
    const { resources } = await runProgram(target, async () => {
      new Raw("random:index/randomBytes:RandomBytes", "bytes", { length: 32 });
      new Raw("random:index/randomId:RandomId", "rid", { byteLength: 8, prefix: "x-" });
      return {};
    });
    const bytes = find(resources, "bytes");
    assert.ok(isWireSecret(bytes.outputs.base64));
    assert.equal(Buffer.from(unwire(bytes.outputs.base64) as string, "base64").length, 32);
    const rid = find(resources, "rid");
    assert.match(rid.outputs.hex as string, /^x-[0-9a-f]{16}$/);
    assert.equal(rid.id, (rid.outputs.b64Url as string).slice(2));
  });

  it("kubernetes: API-server metadata, auto-naming, namespaced and cluster-scoped ids, Secret stringData", async () => {
    const { resources } = await runProgram(target, async () => {
      new Raw("kubernetes:core/v1:Namespace", "team", { apiVersion: "v1", kind: "Namespace", metadata: { name: "team" } });
      new Raw("kubernetes:core/v1:Secret", "creds", { apiVersion: "v1", kind: "Secret", stringData: { token: "t0k" } }, { additionalSecretOutputs: ["data", "stringData"] });
      new Raw("kubernetes:source.toolkit.fluxcd.io/v1:GitRepository", "repo", { apiVersion: "source.toolkit.fluxcd.io/v1", kind: "GitRepository", metadata: { name: "platform", namespace: "flux-system" } });
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
