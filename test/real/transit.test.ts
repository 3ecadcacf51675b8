import assert from "node:assert/strict";
import { afterAll, beforeAll, describe, it } from "vitest";
import { parseDuration } from "../../registry/duration.js";
import type { TransitPurpose } from "../../registry/purpose.js";
import { consumerRoleName, MOUNTS, transitKeyName } from "../../vault/paths.js";
import { demoPlan } from "../support/demo-plan.js";
import { openBaoSkipReason } from "./openbao.js";
import {
  applyRuntimeAuthority,
  canary,
  kubernetesCaCertificate,
  leaked,
  startPlatformServer,
  tokenWith,
  type PlatformServer,
} from "./support/platform.js";

const skip = openBaoSkipReason();
if (skip) console.info(`transit: skipped: ${skip}`);

/** The demo's transit purposes, from the registry: the contract the server is checked against. */
const transitPurposes = () => demoPlan().registry.purposes.filter((p): p is TransitPurpose => p.delivery === "transit");

const b64 = (text: string) => Buffer.from(text).toString("base64");

describe.skipIf(skip !== false)("transit keys on a real OpenBao, as the contracts say", () => {
  let platform: PlatformServer;
  const canaries: string[] = [];

  /** A call as `token`. */
  const call = <T = Record<string, any>>(method: string, path: string, body: unknown, token: string) =>
    platform.server.api<{ data?: T; errors?: string[] }>(method, `/v1/${path}`, body, token);

  beforeAll(async () => {
    platform = await startPlatformServer();
    await applyRuntimeAuthority(platform, { kubernetesCaCert: await kubernetesCaCertificate() });
  });
  afterAll(() => platform?.stop());

  it("keeps every key non-exportable, without plaintext backup, undeletable, rotating at the contract's period", async () => {
    const purposes = transitPurposes();
    assert.ok(purposes.length > 0);
    for (const p of purposes) {
      const key = await call(
        "GET",
        `${MOUNTS.transit}/keys/${transitKeyName(p)}`,
        undefined,
        platform.server.rootToken,
      );
      assert.equal(key.status, 200, p.id);
      const k = key.body.data!;
      assert.deepEqual(
        [k.type, k.exportable, k.allow_plaintext_backup, k.deletion_allowed, k.auto_rotate_period],
        [p.transit.type, false, false, false, parseDuration(p.rotation.period)],
        p.id,
      );
    }
  });

  it("refuses export, a plaintext backup and deletion even to the root token", async () => {
    const root = platform.server.rootToken;
    for (const p of transitPurposes()) {
      const name = transitKeyName(p);
      const kind = p.transit.usage === "sign" ? "signing-key" : "encryption-key";
      const exported = await call("GET", `${MOUNTS.transit}/export/${kind}/${name}`, undefined, root);
      assert.equal(exported.status, 400, `${p.id}: export`);
      assert.match(exported.body.errors!.join(), /not exportable/, p.id);
      const enabled = await call("GET", `${MOUNTS.transit}/keys/${name}`, undefined, root);
      assert.equal(enabled.body.data!.exportable, false);
      const backup = await call("GET", `${MOUNTS.transit}/backup/${name}`, undefined, root);
      // OpenBao answers this refusal with a 500 (a client would retry it), and names exportability, which a backup needs.
      assert.equal(backup.status, 500, `${p.id}: backup`);
      assert.match(backup.body.errors!.join(), /exporting is disallowed on the policy/, p.id);
      const deleted = await call("DELETE", `${MOUNTS.transit}/keys/${name}`, undefined, root);
      assert.equal(deleted.status, 400, `${p.id}: delete`);
      assert.match(deleted.body.errors!.join(), /deletion is not allowed/, p.id);
    }
  });

  it("lets each consumer, as a token with exactly its policy, encrypt and decrypt or sign and verify, and nothing more", async () => {
    for (const p of transitPurposes()) {
      const name = transitKeyName(p);
      for (const consumer of p.consumers) {
        const token = await tokenWith(platform.server, [consumerRoleName(consumer)]);
        const secret = canary(`${p.id}-${consumer.serviceAccount}`);
        canaries.push(secret);
        if (p.transit.usage === "encrypt") {
          const sealed = await call<{ ciphertext: string }>(
            "POST",
            `${MOUNTS.transit}/encrypt/${name}`,
            { plaintext: b64(secret) },
            token,
          );
          assert.equal(sealed.status, 200, `${p.id} as ${consumer.serviceAccount}: ${sealed.body.errors?.join()}`);
          assert.match(sealed.body.data!.ciphertext, /^vault:v\d+:/);
          const opened = await call<{ plaintext: string }>(
            "POST",
            `${MOUNTS.transit}/decrypt/${name}`,
            { ciphertext: sealed.body.data!.ciphertext },
            token,
          );
          assert.equal(Buffer.from(opened.body.data!.plaintext, "base64").toString(), secret);
        } else {
          const signed = await call<{ signature: string }>(
            "POST",
            `${MOUNTS.transit}/sign/${name}`,
            { input: b64(secret) },
            token,
          );
          assert.equal(signed.status, 200, `${p.id} as ${consumer.serviceAccount}: ${signed.body.errors?.join()}`);
          const verified = await call<{ valid: boolean }>(
            "POST",
            `${MOUNTS.transit}/verify/${name}`,
            { input: b64(secret), signature: signed.body.data!.signature },
            token,
          );
          assert.equal(verified.body.data!.valid, true);
          const forged = await call<{ valid: boolean }>(
            "POST",
            `${MOUNTS.transit}/verify/${name}`,
            { input: b64(`${secret}!`), signature: signed.body.data!.signature },
            token,
          );
          assert.equal(forged.body.data!.valid, false);
        }
        // Nothing beyond the operations: not the key, its export, a backup, a rotation or the other usage.
        const other = p.transit.usage === "encrypt" ? "sign" : "encrypt";
        for (const [method, path] of [
          ["GET", `keys/${name}`],
          ["GET", `export/encryption-key/${name}`],
          ["GET", `backup/${name}`],
          ["POST", `keys/${name}/rotate`],
          ["POST", `keys/${name}/config`],
          ["POST", `${other}/${name}`],
          ["POST", `rewrap/${name}`],
        ] as const) {
          const refused = await call(
            method,
            `${MOUNTS.transit}/${path}`,
            method === "POST" ? { input: b64("x"), plaintext: b64("x") } : undefined,
            token,
          );
          assert.equal(refused.status, 403, `${consumer.serviceAccount} must not ${method} ${path}`);
        }
      }
    }
  });

  it("keeps what was encrypted or signed before a rotation usable after it", async () => {
    for (const p of transitPurposes()) {
      const name = transitKeyName(p);
      const token = await tokenWith(platform.server, [consumerRoleName(p.consumers[0]!)]);
      const secret = canary(`${p.id}-before-rotation`);
      canaries.push(secret);
      const op = p.transit.usage === "encrypt" ? "encrypt" : "sign";
      const before = await call<{ ciphertext?: string; signature?: string }>(
        "POST",
        `${MOUNTS.transit}/${op}/${name}`,
        op === "encrypt" ? { plaintext: b64(secret) } : { input: b64(secret) },
        token,
      );
      const made = before.body.data!.ciphertext ?? before.body.data!.signature!;
      const version = Number(/^vault:v(\d+):/.exec(made)![1]);
      const rotated = await call("POST", `${MOUNTS.transit}/keys/${name}/rotate`, {}, platform.server.rootToken);
      assert.equal(rotated.status, 200, p.id);
      const after = await call<{ ciphertext?: string; signature?: string }>(
        "POST",
        `${MOUNTS.transit}/${op}/${name}`,
        op === "encrypt" ? { plaintext: b64(secret) } : { input: b64(secret) },
        token,
      );
      assert.match(
        after.body.data!.ciphertext ?? after.body.data!.signature!,
        new RegExp(`^vault:v${version + 1}:`),
        `${p.id}: the new version is used`,
      );
      if (op === "encrypt") {
        const opened = await call<{ plaintext: string }>(
          "POST",
          `${MOUNTS.transit}/decrypt/${name}`,
          { ciphertext: made },
          token,
        );
        assert.equal(Buffer.from(opened.body.data!.plaintext, "base64").toString(), secret, `${p.id}: old ciphertext`);
      } else {
        const verified = await call<{ valid: boolean }>(
          "POST",
          `${MOUNTS.transit}/verify/${name}`,
          { input: b64(secret), signature: made },
          token,
        );
        assert.equal(verified.body.data!.valid, true, `${p.id}: old signature`);
      }
      const key = await call("GET", `${MOUNTS.transit}/keys/${name}`, undefined, platform.server.rootToken);
      assert.deepEqual([key.body.data!.latest_version, key.body.data!.min_decryption_version], [version + 1, 1], p.id);
    }
  });

  it("records no plaintext in the audit log: the stdout device the server prints shows every request hashed", () => {
    assert.ok(canaries.length > 0);
    const log = platform.server.log();
    assert.match(log, /"path":"transit\/encrypt\//, "the audit device recorded the requests");
    assert.deepEqual(leaked(log, canaries), []);
  });
});
