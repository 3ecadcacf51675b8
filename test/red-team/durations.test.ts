import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { DURATION_LIMITS } from "../../registry/duration-limits.js";
import { DELIVERIES } from "../../registry/schema.js";
import { validateRegistry } from "../../registry/load.js";
import { purpose, registryFile } from "../support/registry-factory.js";
import { assertRefused, type RedTeamCase } from "./harness.js";

/**
 * Periods, graces and KV lifetimes no engine can honour, or no rotation contract can mean: each is refused at
 * validation, naming the field and the limit (registry/duration-limits.ts), instead of a stack trace, a nonsense Go
 * duration, or a posture that stays "healthy" for centuries.
 */

const rotation = (period: string, grace: string, method: string) => ({ rotation: { period, grace, method } });
const team = (...purposes: Record<string, unknown>[]) => ({ "payments.yaml": registryFile("payments", purposes) });

const CASES: readonly RedTeamCase[] = [
  {
    name: "a period of 99999999999999999999d (no exact number, and past any Go duration)",
    files: team(purpose("external-secret", { id: "forever", ...rotation("99999999999999999999d", "7d", "generated") })),
    refused: [{ file: "payments.yaml", subject: "forever", field: "rotation.period", message: /above 730d/ }],
  },
  {
    name: "a period of four hundred nines (Infinity as a number)",
    files: team(purpose("external-secret", { id: "inf", ...rotation(`${"9".repeat(400)}s`, "7d", "external") })),
    refused: [{ file: "payments.yaml", subject: "inf", field: "rotation.period", message: /above 730d/ }],
  },
  {
    name: "a certificate of 100000w, healthy for 1,900 years",
    files: team(purpose("csi", { id: "ancient", ...rotation("100000w", "8h", "issued") })),
    refused: [
      { file: "payments.yaml", subject: "ancient", field: "rotation.period", message: /above 365d.*certificates/ },
    ],
  },
  {
    name: "a transit key rotated every 100000w",
    files: team(purpose("transit", { id: "k", ...rotation("100000w", "7d", "transit-auto") })),
    refused: [{ file: "payments.yaml", subject: "k", field: "rotation.period", message: /above 730d.*transit/ }],
  },
  {
    name: "a KV value rotated every 2s, faster than any consumer refreshes",
    files: team(purpose("external-secret", { id: "fast", ...rotation("2s", "1s", "external") })),
    refused: [
      { file: "payments.yaml", subject: "fast", field: "rotation.period", message: /2s is below 1h/ },
      { file: "payments.yaml", subject: "fast", field: "rotation.grace", message: /1s is below 4m/ },
    ],
  },
  {
    name: "a generated push-secret value regenerated every 10m",
    files: team(purpose("push-secret", { id: "churn", ...rotation("10m", "5m", "generated") })),
    refused: [{ file: "payments.yaml", subject: "churn", field: "rotation.period", message: /10m is below 1h/ }],
  },
  {
    name: "a grace window of 2m on a refreshed value: fewer than four refreshes at ESO's fastest",
    files: team(purpose("external-secret", { id: "tight", ...rotation("1d", "2m", "generated") })),
    refused: [{ file: "payments.yaml", subject: "tight", field: "rotation.grace", message: /2m is below 4m/ }],
  },
  {
    name: "a manual ceremony every hour",
    files: team(purpose("reveal-once", { id: "break-glass", ...rotation("1h", "30m", "manual") })),
    refused: [{ file: "payments.yaml", subject: "break-glass", field: "rotation.period", message: /below 1d/ }],
  },
  {
    name: "old KV versions deleted after 1s, and after 100000w",
    files: team(
      purpose("reveal-once", { id: "gone", kv: { deleteVersionAfter: "1s" } }),
      purpose("external-secret", { id: "kept", kv: { deleteVersionAfter: "100000w" } }),
    ),
    refused: [
      { file: "payments.yaml", subject: "gone", field: "kv.deleteVersionAfter", message: /1s is below 1h/ },
      { file: "payments.yaml", subject: "kept", field: "kv.deleteVersionAfter", message: /above 3650d/ },
    ],
  },
];

describe("red team: durations", () => {
  for (const c of CASES) it(`refuses ${c.name}`, () => void assertRefused(c));

  it("accepts each limit itself, for every delivery mode's factory purpose", () => {
    for (const delivery of DELIVERIES) {
      const base = purpose(delivery);
      const method = (base.rotation as { method: string }).method;
      const row = DURATION_LIMITS.find(
        (l) => l.field === "rotation.period" && l.applies({ ...base, rotation: { method } } as never),
      )!;
      for (const period of [row.min, row.max]) {
        const r = validateRegistry([
          {
            file: "purposes/payments.yaml",
            text: registryFile("payments", [
              purpose(delivery, rotation(`${period}s`, `${Math.max(240, Math.floor(period / 4))}s`, method)),
            ]),
          },
        ]);
        assert.ok(r.ok, `${delivery} ${period}s: ${r.ok ? "" : JSON.stringify(r.problems)}`);
      }
    }
  });

  it("keeps every limit within what a Go duration (int64 nanoseconds) can hold", () => {
    for (const l of DURATION_LIMITS) {
      assert.ok(0 < l.min && l.min < l.max, `${l.field} for ${l.appliesTo}`);
      assert.ok(BigInt(l.max) * 1_000_000_000n < 2n ** 63n, `${l.field} for ${l.appliesTo}`);
    }
  });
});
