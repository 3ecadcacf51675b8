// `npm run plan`: the offline plan of a cluster (see plan/cli.ts for flags and exit codes).
import { EXIT, main } from "../plan/cli.js";

// A provider model or the SDK failing outside the program's own promise chain still ends the plan, with exit 3.
process.on("unhandledRejection", (reason) => {
  console.error(`plan: failed: ${reason instanceof Error ? reason.message : String(reason)}`);
  process.exit(EXIT.failed);
});

process.exitCode = await main(process.argv.slice(2));
