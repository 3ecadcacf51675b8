import assert from "node:assert/strict";
import type {
  ResourceValidationArgs,
  ResourceValidationPolicy,
  StackValidationArgs,
  StackValidationPolicy,
} from "@pulumi/policy";
import { resourceView, toPulumiPolicies } from "../../policies/pack.js";
import { stackOfUrn } from "../../policies/resources.js";
import type { PlatformRule, StackView } from "../../policies/rule.js";

/**
 * A small harness in the style of pulumi/compliance-policies' unit-test helpers: typed validation args built from a
 * resource class (or a type token), the policy run exactly as the analyzer runs it (through `toPulumiPolicies`, the
 * adapter the real pack uses), and its reports collected. `notApplicable` throws, as in the SDK.
 */

/** A resource class of a provider SDK (its type token is the class's `__pulumiType`), or a type token. */
type ResourceClass = abstract new (...args: any[]) => unknown;
const typeOf = (c: ResourceClass | string): string => {
  const type = typeof c === "string" ? c : (c as unknown as { __pulumiType?: string }).__pulumiType;
  assert.ok(type, "a resource class with a type token");
  return type;
};

export class NotApplicable extends Error {}

export interface ResourceOptions {
  name?: string;
  protect?: boolean;
  /** The stack the URN names (its phase is its suffix). */
  stack?: string;
  config?: Record<string, unknown>;
}

export function createResourceValidationArgs(
  resourceClass: ResourceClass | string,
  props: Record<string, any>,
  opts: ResourceOptions = {},
): ResourceValidationArgs {
  const type = typeOf(resourceClass);
  const name = opts.name ?? "test";
  return {
    type,
    props,
    urn: `urn:pulumi:${opts.stack ?? "demo-runtime-authority"}::secrets-platform::${type}::${name}`,
    name,
    opts: {
      protect: opts.protect ?? false,
      ignoreChanges: [],
      aliases: [],
      additionalSecretOutputs: [],
      customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
    },
    stackTags: new Map(),
    isType: (cls: unknown) => (cls as { __pulumiType?: string }).__pulumiType === type,
    asType: ((cls: unknown) =>
      (cls as { __pulumiType?: string }).__pulumiType === type ? props : undefined) as ResourceValidationArgs["asType"],
    getConfig: <T extends object>() => (opts.config ?? {}) as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

export function createStackValidationArgs(
  resources: ResourceValidationArgs[],
  config: Record<string, unknown> = {},
): StackValidationArgs {
  return {
    resources: resources.map((r) => ({ ...r, dependencies: [], propertyDependencies: {} })),
    stackTags: new Map(),
    getConfig: <T extends object>() => config as T,
    notApplicable: (reason?: string): never => {
      throw new NotApplicable(reason);
    },
  };
}

/** The @pulumi/policy policy of one platform rule, as the pack serves it. */
export function policyOf(rule: PlatformRule): ResourceValidationPolicy | StackValidationPolicy {
  return toPulumiPolicies([rule])[0]!;
}

/** Runs a policy and returns its reports (message and URN). */
export async function runPolicy(
  rule: PlatformRule,
  args: ResourceValidationArgs | StackValidationArgs,
): Promise<{ message: string; urn?: string }[]> {
  const policy = policyOf(rule);
  const reports: { message: string; urn?: string }[] = [];
  const report = (message: string, urn?: string) => reports.push({ message, ...(urn ? { urn } : {}) });
  if ("validateResource" in policy) {
    assert.ok("props" in args, `${rule.name} validates resources: give it resource args`);
    await (policy.validateResource as (a: ResourceValidationArgs, r: typeof report) => Promise<void> | void)(
      args,
      report,
    );
  } else {
    assert.ok("resources" in args, `${rule.name} validates stacks: give it stack args`);
    await (
      (policy as StackValidationPolicy).validateStack as (
        a: StackValidationArgs,
        r: typeof report,
      ) => Promise<void> | void
    )(args, report);
  }
  return reports;
}

/** At least one violation, each message matching `message` when given, and naming the fix. */
export async function assertHasViolation(
  rule: PlatformRule,
  args: ResourceValidationArgs | StackValidationArgs,
  message?: RegExp,
): Promise<void> {
  const reports = await runPolicy(rule, args);
  assert.ok(reports.length > 0, `${rule.name}: expected a violation`);
  if (message)
    assert.ok(
      reports.some((r) => message.test(r.message)),
      `${rule.name}: no violation matches ${message}: ${JSON.stringify(reports)}`,
    );
  for (const r of reports)
    assert.ok(r.message.includes(`(fix: ${rule.remediation})`), `${rule.name}: the message names the fix`);
}

export async function assertNoViolations(
  rule: PlatformRule,
  args: ResourceValidationArgs | StackValidationArgs,
): Promise<void> {
  assert.deepEqual(await runPolicy(rule, args), [], `${rule.name}: expected no violation`);
}

/**
 * One stack of a cluster, as the offline plan and `npm run policy` hand it to cluster rules (`evaluate`): its name,
 * phase (the suffix of `stack`) and resources, each made by {@link createResourceValidationArgs} with the same stack.
 */
export function stackViewOf(stack: string, resources: ResourceValidationArgs[]): StackView {
  const { phase } = stackOfUrn(`urn:pulumi:${stack}::`);
  return {
    stack,
    phase,
    resources: resources.map((r) => {
      assert.equal(stackOfUrn(r.urn).stack, stack, `${r.urn} belongs to stack ${stack}`);
      return resourceView(r, true);
    }),
  };
}
