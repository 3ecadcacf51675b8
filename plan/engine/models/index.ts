import type { ResourceModel } from "../monitor.js";
import { tlsModels } from "./tls.js";

/** Every resource type the offline plan can create. A type not listed here fails the plan by name, never silently. */
export const MODELS: Readonly<Record<string, ResourceModel>> = {
  ...tlsModels,
};
