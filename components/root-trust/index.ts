export * from "./root-ca.js";
export * from "./signed-intermediate.js";
