import type { ResourceModel } from "../monitor.js";
import { kubernetesModel } from "./kubernetes.js";
import { tlsModels } from "./tls.js";
import { vaultModels } from "./vault.js";

const BY_TYPE: Readonly<Record<string, ResourceModel>> = { ...tlsModels, ...vaultModels };

/** The model of a resource type, if the offline plan has one. A type without one fails the plan by name, never silently. */
export function modelFor(type: string): ResourceModel | undefined {
  return BY_TYPE[type] ?? kubernetesModel(type);
}
