// `npm run policy -- --plan FILE`: the policy pack over an offline plan or a `pulumi preview --json` document.
import { main } from "../policies/cli.js";

process.exitCode = main(process.argv.slice(2));
