// `npm run evidence -- --out DIR`: evidence packets from the offline plan (see evidence/cli.ts).
import { main } from "../evidence/cli.js";

process.exitCode = main(process.argv.slice(2));
