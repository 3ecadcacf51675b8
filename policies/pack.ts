import { dirname, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type {
  Policy,
  PolicyResource,
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { loadRegistry, type Registry } from "../registry/load.js";
import { formatProblem } from "../registry/problems.js";
import { configured } from "./evaluate.js";
import { stackOfUrn } from "./resources.js";
import { ruleConfig, type PlatformRule, type ResourceView, type RuleContext } from "./rule.js";

/**
 * The rules as @pulumi/policy policies, for `pulumi preview --policy-pack policies`. The analyzer gives no stack
 * outputs and unwraps secrets (`secretsMarked: false`); the registry is read from `SECRETS_PLATFORM_REGISTRY`, or
 * from `purposes/` beside the pack (the pack lives in the project).
 */

const PACK_DIR = dirname(fileURLToPath(import.meta.url));

let cached: { registry: Registry } | { problems: string } | undefined;
function registry(): { registry: Registry } | { problems: string } {
  if (!cached) {
    const dir = process.env.SECRETS_PLATFORM_REGISTRY ?? resolve(PACK_DIR, "..", "purposes");
    const loaded = loadRegistry(dir);
    cached = loaded.ok ? { registry: loaded.registry } : { problems: loaded.problems.map(formatProblem).join("; ") };
  }
  return cached;
}

/**
 * A resource as the analyzer hands it to a policy, as a rule sees it. `secretsMarked` is false under the analyzer,
 * which unwraps secrets; the tests' harness marks them, as the offline plan and previews do.
 */
export function resourceView(
  r: { type: string; name: string; urn: string; props: Record<string, any>; opts: { protect: boolean } },
  secretsMarked = false,
): ResourceView {
  const { stack, phase } = stackOfUrn(r.urn);
  return {
    type: r.type,
    name: r.name,
    urn: r.urn,
    props: r.props,
    protect: r.opts.protect,
    stack,
    phase,
    secretsMarked,
  };
}

function context(
  rule: PlatformRule,
  given: Record<string, unknown>,
  report: (m: string) => void,
): RuleContext | undefined {
  const loaded = registry();
  if ("problems" in loaded) {
    report(`the purpose registry is invalid, nothing can be checked: ${loaded.problems}`);
    return undefined;
  }
  return { registry: loaded.registry, now: new Date(), config: ruleConfig(rule, given) };
}

export function toPulumiPolicies(rules: readonly PlatformRule[]): (ResourceValidationPolicy | StackValidationPolicy)[] {
  return rules.map((rule) => {
    const base: Policy = {
      name: rule.name,
      description: rule.description,
      enforcementLevel: configured(rule).level,
      severity: rule.severity,
      remediationSteps: rule.remediation,
      ...(rule.configSchema ? { configSchema: rule.configSchema } : {}),
    };
    if (rule.validateStack || rule.validateCluster) {
      return {
        ...base,
        validateStack: (args: StackValidationArgs, report: (m: string, urn?: string) => void) => {
          const ctx = context(rule, args.getConfig(), report);
          const resources = args.resources.map((r: PolicyResource) => resourceView(r));
          const { stack, phase } = stackOfUrn(resources[0]?.urn ?? "urn:pulumi:unknown::");
          if (!ctx) return;
          const fixed = (m: string, urn?: string) => report(`${m} (fix: ${rule.remediation})`, urn);
          // The analyzer hands a policy one stack: a cluster rule sees that stack as the whole cluster.
          rule.validateStack?.({ stack, phase, resources }, ctx, fixed);
          rule.validateCluster?.([{ stack, phase, resources }], ctx, (_stack, m, urn) => fixed(m, urn));
        },
      } satisfies StackValidationPolicy;
    }
    return {
      ...base,
      validateResource: (args: ResourceValidationArgs, report: (m: string) => void) => {
        const ctx = context(rule, args.getConfig(), report);
        if (ctx) rule.validateResource!(resourceView(args), ctx, (m) => report(`${m} (fix: ${rule.remediation})`));
      },
    } satisfies ResourceValidationPolicy;
  });
}
