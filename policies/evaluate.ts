import type { EnforcementLevel } from "@pulumi/policy";
import type { Registry } from "../registry/load.js";
import { RULES } from "./rules/index.js";
import { ruleConfig, type PlatformRule, type Severity, type StackView } from "./rule.js";

/** One violation, as plan.json and `npm run policy` report it. */
export interface Violation {
  policy: string;
  enforcementLevel: EnforcementLevel;
  severity: Severity;
  stack: string;
  urn?: string;
  message: string;
}

/** `--policy-pack-config` as the CLI reads it: per policy name, an enforcement level and/or config properties. */
export type PackConfig = Record<
  string,
  EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)
>;

/** The enforcement level and config of a rule under a pack config (`all` sets the level of every policy). */
export function configured(
  rule: PlatformRule,
  pack: PackConfig = {},
): { level: EnforcementLevel; config: Record<string, any> } {
  const all = pack.all;
  const own = pack[rule.name];
  const base = typeof all === "string" ? all : (all?.enforcementLevel ?? rule.enforcementLevel);
  if (typeof own === "string") return { level: own, config: ruleConfig(rule) };
  const { enforcementLevel, ...props } = own ?? {};
  return { level: enforcementLevel ?? base, config: ruleConfig(rule, props) };
}

/**
 * Evaluates the rules against stacks of resources, exactly as the pack does under `pulumi preview` (resource rules
 * per resource, stack rules per stack, cluster rules once over all stacks), and returns every violation, the remediation appended to its message.
 */
export function evaluate(
  stacks: readonly StackView[],
  args: { registry: Registry; now: Date; config?: PackConfig; rules?: readonly PlatformRule[] },
): Violation[] {
  const out: Violation[] = [];
  for (const rule of args.rules ?? RULES) {
    const { level, config } = configured(rule, args.config);
    if (level === "disabled") continue;
    const ctx = { registry: args.registry, now: args.now, config };
    const push = (stack: string, message: string, urn?: string) =>
      out.push({
        policy: rule.name,
        enforcementLevel: level,
        severity: rule.severity,
        stack,
        ...(urn ? { urn } : {}),
        message: `${message} (fix: ${rule.remediation})`,
      });
    for (const s of stacks) {
      if (rule.validateResource)
        for (const r of s.resources) rule.validateResource(r, ctx, (m, at) => push(s.stack, m, at ?? r.urn));
      rule.validateStack?.(s, ctx, (m, at) => push(s.stack, m, at));
    }
    rule.validateCluster?.(stacks, ctx, push);
  }
  return out;
}

/** Whether any violation blocks: mandatory (remediate counts as mandatory where it cannot fix). */
export function blocking(violations: readonly Violation[]): Violation[] {
  return violations.filter((v) => v.enforcementLevel === "mandatory" || v.enforcementLevel === "remediate");
}
