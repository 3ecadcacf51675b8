import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const HERE = fileURLToPath(new URL(".", import.meta.url));

/** Runs one bench child (a module of bench/, or any JS file) with Node and returns the JSON line it printed last. */
export async function child<T>(args: {
  script: string;
  argv?: string[];
  tsx?: boolean;
  env?: NodeJS.ProcessEnv;
  cwd?: string;
}): Promise<T> {
  const script = args.script.startsWith("/") ? args.script : `${HERE}${args.script}`;
  const node = [...(args.tsx === false ? [] : ["--import", "tsx"]), script, ...(args.argv ?? [])];
  try {
    const { stdout } = await run(process.execPath, node, {
      env: { ...process.env, ...args.env },
      cwd: args.cwd,
      maxBuffer: 64 * 1024 * 1024,
    });
    const last = stdout.trim().split("\n").at(-1) ?? "";
    return JSON.parse(last) as T;
  } catch (e) {
    const err = e as { stderr?: string; message: string };
    throw new Error(
      `bench child ${args.script} failed: ${(err.stderr ?? "").trim().split("\n").slice(-8).join("\n") || err.message}`,
      { cause: e },
    );
  }
}
