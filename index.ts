// Entry point of the Pulumi program (Pulumi.yaml `main`). The runtime calls the default export and publishes what it
// returns as the stack outputs.
import { runPlatformStack } from "./phases/index.js";

export default runPlatformStack;
