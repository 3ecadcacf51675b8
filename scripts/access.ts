// `npm run access`: who can read or write each purpose, or what policy documents grant on a path (access/cli.ts).
import { main } from "../access/cli.js";

process.exitCode = await main(process.argv.slice(2));
