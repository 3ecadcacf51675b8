import * as pulumi from "@pulumi/pulumi";

/**
 * A RunError for input the program refuses: the CLI prints its message without a stack trace. The stack is replaced
 * before anything reads it, because the language host inspects the error for tracing, and formatting a stack
 * through source-map-support and tsx's source maps costs tens of seconds of GC on a failing run (measured: 27 s
 * against 2.5 s for the demo root-trust stack).
 */
export function inputError(message: string): pulumi.RunError {
  const error = new pulumi.RunError(message);
  error.stack = `${error.name}: ${error.message}`;
  return error;
}
