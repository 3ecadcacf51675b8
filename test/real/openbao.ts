import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { toolsBin } from "../../tools/paths.js";
import { runProcess, type ProcessResult } from "../support/run-process.js";

/**
 * The real OpenBao server of the real tier (`bao`, installed by `npm run tools`), as a handle a test file starts in
 * `beforeAll` and stops in `afterAll`: on 127.0.0.1, on a free port, with its files in a temp folder it removes. A
 * server that is still running when the test process exits is killed then, so none outlives a failed run.
 */

/** The pinned binary, as `npm run tools` links it. */
export const BAO = resolve(toolsBin(), "bao");

/** How to get it, as the skip reason and the failure say. */
export const INSTALL_TOOLS = "npm run tools";

/**
 * Why the OpenBao tests cannot run here, or false when they can. CI requires them (`.ci/run` installs the tools and
 * sets REQUIRE_REAL_TOOLS=1): there a missing binary fails the tests instead of skipping them.
 */
export function openBaoSkipReason(env: NodeJS.ProcessEnv = process.env): string | false {
  if (existsSync(BAO) || env.REQUIRE_REAL_TOOLS === "1") return false;
  return `${BAO} is absent; to run the OpenBao tests: ${INSTALL_TOOLS}`;
}

export interface ApiResponse<T = unknown> {
  status: number;
  body: T;
}

export type CliResult = ProcessResult;

/** A running server. `stop()` may be called more than once. */
export interface OpenBao {
  /** `http://127.0.0.1:<port>` (dev mode) or `https://...` (a server with a TLS listener). */
  readonly address: string;
  /** The root token (dev mode), or the initial root token once the test has initialized the server. */
  rootToken: string;
  /** The server's temp folder (configuration, storage, audit logs). */
  readonly dir: string;
  /** A CA file the CLI and clients trust the listener with, when it serves TLS. */
  readonly caCertFile?: string;
  /** An API request as a client makes it: JSON in and out, the token in `X-Vault-Token`. */
  api<T = unknown>(method: string, path: string, body?: unknown, token?: string): Promise<ApiResponse<T>>;
  /**
   * The real CLI against this server (`BAO_ADDR`, `BAO_TOKEN`, `BAO_CACERT` set; no token helper file), in `cwd`
   * when given (relative paths in its arguments, as an operator's ceremony has them).
   */
  bao(
    args: readonly string[],
    options?: { token?: string; input?: string; env?: Record<string, string>; cwd?: string },
  ): Promise<CliResult>;
  /** What the server printed so far (for a failure message). */
  log(): string;
  /** Whether the process is still running. */
  running(): boolean;
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (the kernel's choice, released again for the server to bind). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolvePort(address.port) : reject(new Error("no port")),
      );
    });
  });
}

const running = new Set<ChildProcess>();
// A failed or interrupted run still leaves no server behind.
process.on("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

export interface StartOptions {
  /** Arguments after `bao server` (the harness adds nothing but what it is told). */
  args: (dir: string, port: number) => string[];
  /** The address clients use, from the port. */
  address: (port: number) => string;
  /** Files to write into the temp folder before the server starts, by name. */
  files?: (dir: string, port: number) => Record<string, string>;
  rootToken?: string;
  caCertFile?: (dir: string) => string;
  /** What `GET /v1/sys/health` answers once the server is up (dev: 200; sealed and uninitialized: 501). */
  healthy?: readonly number[];
}

/**
 * Starts `bao server` with the given arguments in a fresh temp folder and waits until it answers on its health
 * endpoint. A port taken between choosing and binding it is retried with another.
 */
export async function startOpenBao(options: StartOptions): Promise<OpenBao> {
  if (!existsSync(BAO)) throw new Error(`${BAO} not found: install the real tools with \`${INSTALL_TOOLS}\``);
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), "openbao-"));
    const port = await freePort();
    try {
      return await launch(options, dir, port);
    } catch (e) {
      lastError = e;
      rmSync(dir, { recursive: true, force: true });
      if (!/address already in use/i.test(String(e))) throw e;
    }
  }
  throw lastError instanceof Error ? lastError : new Error(String(lastError));
}

/** A dev-mode server: in memory, unsealed, with a root token of its own, plain HTTP on 127.0.0.1. */
export function startDevServer(extraArgs: readonly string[] = []): Promise<OpenBao> {
  const rootToken = `dev-${randomBytes(12).toString("hex")}`;
  return startOpenBao({
    rootToken,
    address: (port) => `http://127.0.0.1:${port}`,
    args: (_dir, port) => [
      "-dev",
      `-dev-root-token-id=${rootToken}`,
      `-dev-listen-address=127.0.0.1:${port}`,
      "-dev-no-store-token",
      ...extraArgs,
    ],
  });
}

async function launch(options: StartOptions, dir: string, port: number): Promise<OpenBao> {
  for (const [name, text] of Object.entries(options.files?.(dir, port) ?? {}))
    writeFileSync(join(dir, name), text, { mode: 0o600 });
  const address = options.address(port);
  const caCertFile = options.caCertFile?.(dir);
  // HOME in the temp folder: the CLI's token helper and any other file it writes land there, and are removed.
  const baseEnv = {
    PATH: process.env.PATH ?? "",
    HOME: dir,
    BAO_ADDR: address,
    ...(caCertFile ? { BAO_CACERT: caCertFile } : {}),
  };
  const child = spawn(BAO, ["server", ...options.args(dir, port)], {
    cwd: dir,
    env: baseEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let output = "";
  child.stdout.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr.on("data", (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((done) => child.once("exit", () => (running.delete(child), done())));
  let stopped = false;

  const handle: OpenBao = {
    address,
    rootToken: options.rootToken ?? "",
    dir,
    ...(caCertFile ? { caCertFile } : {}),
    api: <T>(method: string, path: string, body?: unknown, token?: string) =>
      request<T>(address, caCertFile, method, path, body, token ?? handle.rootToken),
    bao: (args, opts = {}) =>
      runCli(
        args,
        {
          ...baseEnv,
          ...((opts.token ?? handle.rootToken) ? { BAO_TOKEN: opts.token ?? handle.rootToken } : {}),
          ...opts.env,
        },
        opts.input,
        opts.cwd,
      ),
    log: () => output,
    running: () => child.exitCode === null && child.signalCode === null,
    async stop() {
      if (stopped) return;
      stopped = true;
      if (handle.running()) {
        child.kill("SIGTERM");
        const killed = setTimeout(() => child.kill("SIGKILL"), 10_000);
        await exited;
        clearTimeout(killed);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };

  const healthy = options.healthy ?? [200];
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (!handle.running()) {
      await handle.stop();
      throw new Error(
        `bao server exited (${child.exitCode ?? child.signalCode}) before it answered:\n${output.slice(-2000)}`,
      );
    }
    try {
      const health = await request(address, caCertFile, "GET", "/v1/sys/health", undefined, "");
      if (healthy.includes(health.status)) return handle;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await handle.stop();
      throw new Error(`bao server did not become healthy within 30 s:\n${output.slice(-2000)}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** One HTTP(S) request to the API (a CA file, when given, is the only one trusted for the listener). */
function request<T>(
  address: string,
  caCertFile: string | undefined,
  method: string,
  path: string,
  body: unknown,
  token: string,
): Promise<ApiResponse<T>> {
  const url = new URL(path, address);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  const headers: Record<string, string> = {};
  if (token) headers["X-Vault-Token"] = token;
  if (payload !== undefined)
    Object.assign(headers, {
      "Content-Type": "application/json",
      "Content-Length": String(Buffer.byteLength(payload)),
    });
  const send = url.protocol === "https:" ? httpsRequest : httpRequest;
  const ca = caCertFile ? readFileSync(caCertFile, "utf8") : undefined;
  return new Promise((done, fail) => {
    const req = send(url, { method, headers, ...(ca ? { ca } : {}) }, (res) => {
      let text = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => (text += d));
      res.on("end", () => {
        let parsed: unknown = text;
        try {
          parsed = text ? JSON.parse(text) : undefined;
        } catch {
          // not JSON (a few endpoints answer plain text)
        }
        done({ status: res.statusCode ?? 0, body: parsed as T });
      });
    });
    req.on("error", fail);
    req.end(payload);
  });
}

function runCli(
  args: readonly string[],
  env: Record<string, string>,
  input?: string,
  cwd?: string,
): Promise<CliResult> {
  return runProcess(BAO, args, { env, ...(input === undefined ? {} : { input }), ...(cwd ? { cwd } : {}) });
}
