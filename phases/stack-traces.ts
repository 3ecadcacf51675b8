/**
 * Runs a program with the cost of stack traces taken out while it registers resources. The SDK takes a stack trace
 * of every promise it creates and keeps it with the promise, only for its leak report: hundreds of thousands of
 * formatted traces at thousands of purposes, half of a large plan's time and most of its heap
 * (docs/performance.md). So, while the program runs:
 * - `Error.stackTraceLimit` is 0, so those traces are empty. A resource's source position is unaffected: the SDK
 *   lifts the limit itself while it takes one.
 * - Node's source maps are off: under tsx each frame of a trace is otherwise mapped back through them.
 *
 * If the program throws, both are back as they were before anything reads the error (its message is intact; its
 * frames were not taken). With `PULUMI_DEBUG_PROMISE_LEAKS` set (the SDK's leak report prints the traces), or a
 * `--stack-trace-limit` given to Node, nothing is changed.
 */
export async function withLeanStackTraces<T>(program: () => Promise<T>): Promise<T> {
  if (wantsStackTraces()) return program();
  const before = stackTraceSettings();
  restoreStackTraces({ sourceMaps: false, limit: 0 });
  try {
    return await program();
  } catch (e) {
    restoreStackTraces(before);
    throw e;
  }
  // On success both stay as they are: the SDK goes on registering after the program returns, and the process ends
  // with the run (the plan engine restores them after each run it makes).
}

/** How stack traces are set up now, to restore after a run. */
export interface StackTraceSettings {
  sourceMaps: boolean;
  limit: number;
}

export function stackTraceSettings(): StackTraceSettings {
  return { sourceMaps: process.sourceMapsEnabled, limit: Error.stackTraceLimit };
}

export function restoreStackTraces(settings: StackTraceSettings): void {
  process.setSourceMapsEnabled(settings.sourceMaps);
  Error.stackTraceLimit = settings.limit;
}

/** Whoever runs the program asked for traces: the SDK's leak debugging, or an explicit limit given to Node. */
function wantsStackTraces(): boolean {
  const nodeOptions = `${process.execArgv.join(" ")} ${process.env.NODE_OPTIONS ?? ""}`;
  return !!process.env.PULUMI_DEBUG_PROMISE_LEAKS || /--stack-trace-limit\b/.test(nodeOptions);
}
