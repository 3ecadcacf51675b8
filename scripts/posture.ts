// `npm run posture`: every purpose's posture from a plan or live sources (see posture/cli.ts).
import { main } from "../posture/cli.js";

process.exitCode = await main(process.argv.slice(2));
