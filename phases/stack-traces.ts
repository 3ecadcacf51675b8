/**
 * Runs a program with Node's source maps off while it registers resources. The SDK formats a stack trace for every
 * promise it creates (its leak report) and every resource (its source position); under tsx, each frame of those is
 * mapped back through source maps, which was a third of a large plan's run time (README "Performance"). If the
 * program throws, source maps are back on before anything reads the error's stack (V8 formats it lazily), so an
 * unexpected error still points at the TypeScript line.
 */
export async function withoutSourceMaps<T>(program: () => Promise<T>): Promise<T> {
  const enabled = process.sourceMapsEnabled;
  process.setSourceMapsEnabled(false);
  try {
    return await program();
  } catch (e) {
    process.setSourceMapsEnabled(enabled);
    throw e;
  }
}
