import type { PlanDocument } from "../plan/report/plan-json.js";
import { stackOfUrn } from "./resources.js";
import type { ResourceView, StackView } from "./rule.js";

/**
 * Stacks of resources from the documents a reviewer has: an offline plan (plan.json) or what
 * `pulumi preview --json` prints. Both show secret values as "[secret]".
 */

export function stacksOfPlan(doc: PlanDocument): StackView[] {
  return doc.stacks.map((s) => {
    const { phase } = stackOfUrn(`urn:pulumi:${s.stack}::`);
    const resources: ResourceView[] = s.resources
      .filter((r) => r.custom && !r.read)
      .map((r) => ({
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.inputs,
        protect: r.options.protect,
        stack: s.stack,
        phase,
        secretsMarked: true,
      }));
    return { stack: s.stack, phase, resources, outputs: s.outputs };
  });
}

interface PreviewStep {
  op: string;
  urn: string;
  newState?: { type: string; urn: string; custom?: boolean; inputs?: Record<string, unknown>; protect?: boolean };
}

/** The resources a preview would leave in place: every step but deletes, by the state it plans. */
export function stacksOfPreview(doc: { steps: PreviewStep[] }): StackView[] {
  const byStack = new Map<string, StackView>();
  for (const step of doc.steps) {
    const st = step.newState;
    if (!st || step.op === "delete" || step.op === "discard" || st.custom === false || st.type.startsWith("pulumi:"))
      continue;
    const { stack, phase } = stackOfUrn(st.urn);
    const view = byStack.get(stack) ?? { stack, phase, resources: [] };
    view.resources.push({
      type: st.type,
      name: st.urn.split("::").at(-1)!,
      urn: st.urn,
      props: st.inputs ?? {},
      protect: st.protect === true,
      stack,
      phase,
      secretsMarked: true,
    });
    byStack.set(stack, view);
  }
  return [...byStack.values()];
}

/** Which document `text` is, parsed. */
export function parseDocument(
  text: string,
):
  | { kind: "plan"; stacks: StackView[]; generatedAt: string; registryDir: string }
  | { kind: "preview"; stacks: StackView[] } {
  const doc = JSON.parse(text) as Record<string, unknown>;
  if (doc.schemaVersion === 1 && Array.isArray(doc.stacks)) {
    const plan = doc as unknown as PlanDocument;
    return { kind: "plan", stacks: stacksOfPlan(plan), generatedAt: plan.generatedAt, registryDir: plan.registry.dir };
  }
  if (Array.isArray(doc.steps))
    return { kind: "preview", stacks: stacksOfPreview(doc as unknown as { steps: PreviewStep[] }) };
  throw new Error("neither an offline plan (plan.json, schemaVersion 1) nor `pulumi preview --json` output (steps)");
}
