import { spawn } from "node:child_process";

/** What a finished process printed, and how it ended. */
export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs a command to its end with exactly the given environment (nothing inherited: a test names every variable a
 * process may read), feeding `input` on stdin, and collects what it printed.
 */
export function runProcess(
  command: string,
  args: readonly string[],
  options: { env: Record<string, string>; cwd?: string; input?: string },
): Promise<ProcessResult> {
  return new Promise((done, fail) => {
    const child = spawn(command, [...args], {
      env: options.env,
      ...(options.cwd ? { cwd: options.cwd } : {}),
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.on("error", fail);
    child.on("close", (code) => done({ code, stdout, stderr }));
    // A process that exits without reading its stdin closes the pipe first: that is no failure of the process.
    child.stdin.on("error", (e: NodeJS.ErrnoException) => {
      if (e.code !== "EPIPE") fail(e);
    });
    if (options.input === undefined) child.stdin.end();
    else child.stdin.end(options.input);
  });
}
