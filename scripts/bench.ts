// `npm run bench`: performance at platform scale (see bench/run.ts for flags).
import { main } from "../bench/run.js";

process.exitCode = await main(process.argv.slice(2));
