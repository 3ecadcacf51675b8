import { PolicyPack } from "@pulumi/policy";
import { toPulumiPolicies } from "./pack.js";
import { RULES } from "./rules/index.js";

// The only module that constructs the pack: constructing it starts the analyzer's gRPC server.
new PolicyPack("secrets-platform", { policies: toPulumiPolicies(RULES) });
