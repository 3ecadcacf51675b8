// The program's cold start: from process start to every phase program imported (the entry point and all it imports,
// the SDK and the providers included), as the language host does before it calls the default export. One JSON line.
const program = await import("../index.js");
if (typeof program.default !== "function") throw new Error("index has no default export");
process.stdout.write(`${JSON.stringify({ startMs: performance.now() })}\n`);
