import * as pulumi from "@pulumi/pulumi";
import type { PlatformConfig } from "../config/platform.js";
import type { Registry } from "../registry/load.js";
import { stackName, type PhaseId } from "./catalog.js";

/** What every phase program receives: validated config and registry, and the only door to earlier phases. */
export interface PhaseContext {
  config: PlatformConfig;
  registry: Registry;
  /** A stack reference to another phase of this cluster (later phases read earlier ones only this way). */
  phaseStack(phase: PhaseId): pulumi.StackReference;
}

/** A phase program: registers its resources and returns the stack outputs (public, or marked secret). */
export type PhaseProgram = (ctx: PhaseContext) => Promise<Record<string, unknown>>;

export function phaseStackReference(config: PlatformConfig, phase: PhaseId): pulumi.StackReference {
  const prefix = config.stackReferencePrefix || `${pulumi.getOrganization()}/${pulumi.getProject()}/`;
  // The resource name is the phase, so the reference's URN stays stable if the prefix (backend, org) changes.
  return new pulumi.StackReference(`${phase}-stack`, { name: `${prefix}${stackName(config.cluster, phase)}` });
}
