export * from "./duration.js";
export * from "./load.js";
export * from "./problems.js";
export * from "./purpose.js";
export * from "./rules.js";
export * from "./schema.js";
