import type { EnforcementLevel, PolicyConfigSchema } from "@pulumi/policy";
import type { PhaseId } from "../phases/catalog.js";
import type { Registry } from "../registry/load.js";

/**
 * The shape of one platform rule, independent of where it runs: inside `pulumi preview --policy-pack policies`
 * (adapted in `pack.ts`), in the offline plan, and in `npm run policy` over a plan or preview document
 * (`evaluate.ts`). Rules are plain data and functions: importing them starts nothing.
 */

export type Severity = "low" | "medium" | "high" | "critical";

/** A resource as a rule sees it: its inputs, whether it is protected, and the stack (and phase) it belongs to. */
export interface ResourceView {
  type: string;
  name: string;
  urn: string;
  props: Record<string, any>;
  protect: boolean;
  stack: string;
  phase: PhaseId | undefined;
  /**
   * Whether secret values show as "[secret]" (the offline plan, `pulumi preview --json`), so a plain value where a
   * secret belongs is visible. The policy analyzer hands policies secrets unwrapped: then this is false.
   */
  secretsMarked: boolean;
}

export interface StackView {
  stack: string;
  phase: PhaseId | undefined;
  resources: ResourceView[];
  /** Stack outputs, when known (the offline plan and previews have them; the policy analyzer does not). */
  outputs?: Record<string, unknown>;
}

/** What every rule may read: the validated registry, the evaluation time, and its own config. */
export interface RuleContext {
  registry: Registry;
  now: Date;
  config: Record<string, any>;
}

export type Report = (message: string, urn?: string) => void;

export interface PlatformRule {
  name: string;
  description: string;
  severity: Severity;
  enforcementLevel: EnforcementLevel;
  /** How to fix a violation; appended to every message. */
  remediation: string;
  /** Rule-specific config (`--policy-pack-config`), with defaults. */
  configSchema?: PolicyConfigSchema;
  validateResource?(r: ResourceView, ctx: RuleContext, report: Report): void;
  validateStack?(s: StackView, ctx: RuleContext, report: Report): void;
  /**
   * Across every stack of a cluster at once (the offline plan, `npm run policy` over the plan or preview documents of
   * all phases): for what no single stack shows, such as two stacks owning one object. `report` names the stack.
   * `pulumi preview --policy-pack` checks one stack at a time, so there it sees that stack alone.
   */
  validateCluster?(stacks: readonly StackView[], ctx: RuleContext, report: ClusterReport): void;
}

export type ClusterReport = (stack: string, message: string, urn?: string) => void;

/** The value the offline plan shows for a secret (see plan/engine/wire.ts `redact`). */
export const SECRET_PLACEHOLDER = "[secret]";

/** Defaults of a rule's config merged with what the user set. */
export function ruleConfig(rule: PlatformRule, given: Record<string, any> = {}): Record<string, any> {
  const defaults = Object.fromEntries(
    Object.entries(rule.configSchema?.properties ?? {}).map(([k, v]) => [k, (v as { default?: unknown }).default]),
  );
  return { ...defaults, ...given };
}
