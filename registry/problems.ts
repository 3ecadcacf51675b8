/**
 * Errors are values until the edge: every check returns problems with their place, and only the CLI or the
 * program entry point turns them into one message (and exit code 2, or a Pulumi RunError without a stack trace).
 */
export interface Problem {
  /** The file the problem is in, relative to the working directory, e.g. `purposes/payments.yaml`. */
  file: string;
  /** 1-based line in that file, where the YAML source is known. */
  line?: number;
  /** The purpose id (or config key owner) the problem belongs to. */
  subject?: string;
  /** The field, dotted, e.g. `rotation.period` or `consumers[1].namespace`. */
  field?: string;
  message: string;
}

/** `purposes/payments.yaml:14: payments-db: rotation.period: "30x" is not a duration` */
export function formatProblem(p: Problem): string {
  const place = p.line ? `${p.file}:${p.line}` : p.file;
  return [place, p.subject, p.field, p.message].filter((part) => part !== undefined && part !== "").join(": ");
}

/** Problems sorted by file, line and text, so the same input always prints the same report. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort(
    (a, b) =>
      a.file.localeCompare(b.file) || (a.line ?? 0) - (b.line ?? 0) || formatProblem(a).localeCompare(formatProblem(b)),
  );
}

/** Thrown at the edge when input is invalid; carries every problem found, none of them secret. */
export class InvalidInputError extends Error {
  readonly problems: readonly Problem[];
  constructor(what: string, problems: readonly Problem[]) {
    const sorted = sortProblems(problems);
    super(
      `${what}: ${sorted.length} problem${sorted.length === 1 ? "" : "s"}\n${sorted.map((p) => `  ${formatProblem(p)}`).join("\n")}`,
    );
    this.name = "InvalidInputError";
    this.problems = sorted;
  }
}

/** `rotation.period`, `consumers[1].namespace` from a zod or YAML path. */
export function fieldPath(path: readonly PropertyKey[]): string {
  return path.map((key, i) => (typeof key === "number" ? `[${key}]` : `${i === 0 ? "" : "."}${String(key)}`)).join("");
}
