import { createHash } from "node:crypto";
import { statSync } from "node:fs";
import { basename, join, relative } from "node:path";
import { isNode, LineCounter, parseDocument, type Document } from "yaml";
import type { z } from "zod";
import { derivedNameProblems } from "./derived-names.js";
import { readRegistryFolder, teamOfFile } from "./folder.js";
import { fieldPath, formatProblem, InvalidInputError, type Problem } from "./problems.js";
import type { RegisteredPurpose } from "./purpose.js";
import { movedFromConflicts, purposeRuleViolations, secretTargets } from "./rules.js";
import {
  DomainGrantsSchema,
  EvidenceComponentSchema,
  PurposeSchema,
  RegistryFileShape,
  type EvidenceComponent,
  type Purpose,
} from "./schema.js";
import {
  defaultPlatformReservation,
  tenancyViolations,
  type DeclaredGrants,
  type PlatformReservation,
} from "./tenancy.js";

/** A purpose as parsed, before the rules have checked its shape against its delivery mode. */
type ParsedPurpose = Purpose & { readonly file: string };

export type RegisteredEvidence = EvidenceComponent & { readonly file: string; readonly line?: number | undefined };

/** The validated registry: plain, typed, sorted by id so every consumer sees one stable order. */
export interface Registry {
  readonly dir: string;
  /** {@link registryDigest} of the files it was validated from: a plan records it, evidence compares it. */
  readonly digest: string;
  readonly purposes: readonly RegisteredPurpose[];
  readonly evidence: readonly RegisteredEvidence[];
}

/** What validation found: the registry when there are no problems, otherwise every problem at once. */
export type RegistryResult = { ok: true; registry: Registry } | { ok: false; problems: Problem[] };

/** One registry file's text, for validation without touching the disk (tests, property tests). */
export interface RegistrySource {
  /** Path shown in messages, e.g. `purposes/payments.yaml`. */
  file: string;
  text: string;
}

/**
 * Reads the registry files of `dir` (`*.yaml`, `*.yml`, `*.json`, sorted; registry/folder.ts says what else the
 * folder may hold) and validates them together, against the names `reservation` keeps for the platform (by default
 * those of the namespaces Pulumi.yaml declares).
 */
export function loadRegistry(dir: string, reservation = defaultPlatformReservation()): RegistryResult {
  const shown = relative(process.cwd(), dir) || ".";
  let folder: ReturnType<typeof readRegistryFolder>;
  try {
    if (!statSync(dir).isDirectory()) return { ok: false, problems: [{ file: shown, message: "is not a directory" }] };
    folder = readRegistryFolder(dir, shown);
  } catch {
    return { ok: false, problems: [{ file: shown, message: "registry directory not found" }] };
  }
  const { files: sources, problems: unread } = folder;
  if (sources.length === 0)
    return {
      ok: false,
      problems: [...unread, { file: shown, message: "holds no registry files (*.yaml, *.yml, *.json)" }],
    };
  // The same files validate to the same result: the offline plan loads the registry once per stack run, and
  // parsing thousands of purposes costs far more than reading them (docs/performance.md).
  const hash = createHash("sha256").update(shown);
  hash.update(JSON.stringify([[...reservation.namespaces], [...reservation.secrets]]));
  for (const s of sources) hash.update(`\0${s.file}\0${s.text}`);
  const key = hash.digest("hex");
  const cached = unread.length === 0 ? validated.get(key) : undefined;
  if (cached) return cached;
  const validatedFiles = validateRegistry(sources, shown, reservation);
  // An entry the folder must not hold is reported with every problem of the files that were read.
  if (unread.length > 0)
    return { ok: false, problems: [...unread, ...(validatedFiles.ok ? [] : validatedFiles.problems)] };
  validated.clear();
  validated.set(key, validatedFiles);
  return validatedFiles;
}

/** The last registry validated, by a hash of its files' names and texts (results are never mutated). */
const validated = new Map<string, RegistryResult>();

/** Throws {@link InvalidInputError} with every problem, or returns the registry. For the program entry point. */
export function requireRegistry(dir: string): Registry {
  const result = loadRegistry(dir);
  if (!result.ok) throw new InvalidInputError("invalid purpose registry", result.problems);
  return result.registry;
}

/**
 * The registry in `dir` for a command: on problems, prints `heading` and every problem (file, line, purpose, field)
 * through `err` and returns undefined, so the command exits 2 with nothing done.
 */
export function loadRegistryOrReport(dir: string, heading: string, err: (line: string) => void): Registry | undefined {
  const result = loadRegistry(dir);
  if (result.ok) return result.registry;
  err(heading);
  for (const p of result.problems) err(`  ${formatProblem(p)}`);
  return undefined;
}

/**
 * Validates registry files given as text: schema per file, rules per purpose, then rules across files, tenancy
 * (registry/tenancy.ts) last, against `reservation`.
 */
export function validateRegistry(
  sources: readonly RegistrySource[],
  dir = "purposes",
  reservation: PlatformReservation = defaultPlatformReservation(),
): RegistryResult {
  const problems: Problem[] = [];
  const purposes: ParsedPurpose[] = [];
  const evidence: RegisteredEvidence[] = [];
  const declaredInInvalidEntries = new Set<string>();
  const grants: DeclaredGrants[] = [];
  const lines = new Map<string, (path: readonly PropertyKey[]) => number | undefined>();
  const located: {
    purpose: ParsedPurpose;
    line: (path: readonly PropertyKey[]) => number | undefined;
    index: number;
    /** Whether the purpose's own rules hold (then its layout, and the names derived from it, can be planned). */
    checked: boolean;
  }[] = [];

  for (const { file, text } of sources) {
    const lineCounter = new LineCounter();
    const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
    if (doc.errors.length > 0) {
      for (const e of doc.errors)
        problems.push({
          file,
          line: e.linePos?.[0].line,
          message: `YAML: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")}`,
        });
      continue;
    }
    const data: unknown = doc.toJS();
    const line = (path: readonly PropertyKey[]) => lineOf(doc, lineCounter, path);
    const shape = RegistryFileShape.safeParse(data);
    if (!shape.success) {
      problems.push(...zodProblems(shape.error, data, file, line));
      continue;
    }
    // Each purpose and evidence entry is validated on its own, so one bad entry does not hide the others' problems.
    const team = teamOfFile(file);
    lines.set(file, line);
    if (shape.data.domains !== undefined) {
      const parsed = DomainGrantsSchema.safeParse(shape.data.domains);
      if (parsed.success) grants.push({ file, team, grants: parsed.data });
      else problems.push(...zodProblems(prefixed(parsed.error, ["domains"]), data, file, line));
    }
    shape.data.purposes.forEach((raw, index) => {
      const parsed = PurposeSchema.safeParse(raw);
      if (!parsed.success) {
        problems.push(...zodProblems(prefixed(parsed.error, ["purposes", index]), data, file, line));
        return;
      }
      const p = parsed.data;
      const purpose: ParsedPurpose = { ...p, file };
      purposes.push(purpose);
      const violations = purposeRuleViolations(p);
      located.push({ purpose, line, index, checked: violations.length === 0 });
      const at = (field: string) => line(["purposes", index, ...fieldKeys(field)]);
      for (const v of violations)
        problems.push({ file, line: at(v.field), subject: p.id, field: v.field, message: v.message });
      // One file per owning team keeps review (CODEOWNERS) and ownership in one place.
      if (p.owner !== team)
        problems.push({
          file,
          line: at("owner"),
          subject: p.id,
          field: "owner",
          message: `is ${p.owner}, but this file holds team ${team}'s purposes (move it to ${join(dir, `${p.owner}.yaml`)})`,
        });
    });
    shape.data.evidence.forEach((raw, index) => {
      const parsed = EvidenceComponentSchema.safeParse(raw);
      if (parsed.success) evidence.push({ ...parsed.data, file, line: line(["evidence", index, "id"]) });
      else {
        problems.push(...zodProblems(prefixed(parsed.error, ["evidence", index]), data, file, line));
        // Still count its id, so this entry's problem does not cascade into every purpose that cites it.
        const id = (raw as { id?: unknown } | null)?.id;
        if (typeof id === "string") declaredInInvalidEntries.add(id);
      }
    });
  }

  // One file per team: `payments.yaml` beside `payments.json` would split a team's purposes, and its review.
  const teamFiles = new Map<string, string>();
  for (const { file } of sources) {
    const earlier = teamFiles.get(teamOfFile(file));
    if (earlier)
      problems.push({
        file,
        message: `holds team ${teamOfFile(file)}'s purposes, as ${basename(earlier)} does: one file per team`,
      });
    else teamFiles.set(teamOfFile(file), file);
  }

  // Rules across files: ids unique, evidence unique and resolvable.
  const firstPurpose = new Map<string, ParsedPurpose>();
  for (const { purpose, line, index } of located) {
    const earlier = firstPurpose.get(purpose.id);
    if (earlier)
      problems.push({
        file: purpose.file,
        line: line(["purposes", index, "id"]),
        subject: purpose.id,
        field: "id",
        message: `is already used in ${earlier.file}: ids are unique across the registry`,
      });
    else firstPurpose.set(purpose.id, purpose);
  }
  // One writer per Secret: two purposes materializing the same namespace/name would overwrite each other.
  const writers = new Map<string, ParsedPurpose>();
  for (const { purpose, line, index } of located)
    for (const target of secretTargets(purpose)) {
      const other = writers.get(target);
      if (other && other.id !== purpose.id)
        problems.push({
          file: purpose.file,
          line: line(["purposes", index, purpose.bootstrap ? "bootstrap" : "id"]),
          subject: purpose.id,
          field: purpose.bootstrap ? "bootstrap.secretName" : "id",
          message: `writes Secret ${target}, which purpose ${other.id} (${other.file}) writes too: one writer per Secret`,
        });
      else writers.set(target, purpose);
    }
  const locatedById = new Map(located.map((l) => [l.purpose.id, l]));
  for (const { id, message } of movedFromConflicts(located.map((l) => l.purpose))) {
    const { purpose, line, index } = locatedById.get(id)!;
    problems.push({
      file: purpose.file,
      line: line(["purposes", index, "movedFrom"]),
      subject: id,
      field: "movedFrom",
      message,
    });
  }
  const evidenceIds = new Map<string, RegisteredEvidence>();
  for (const e of evidence) {
    const earlier = evidenceIds.get(e.id);
    if (earlier)
      problems.push({
        file: e.file,
        line: e.line,
        subject: `evidence ${e.id}`,
        field: "id",
        message: `is already declared in ${earlier.file}`,
      });
    else evidenceIds.set(e.id, e);
  }
  for (const { purpose, line, index } of located)
    if (!evidenceIds.has(purpose.evidence) && !declaredInInvalidEntries.has(purpose.evidence))
      problems.push({
        file: purpose.file,
        line: line(["purposes", index, "evidence"]),
        subject: purpose.id,
        field: "evidence",
        message: `evidence component ${purpose.evidence} is not declared in any registry file's evidence: list`,
      });

  // Names derived from the contracts (Kubernetes and Vault objects, Pulumi resources): unique and within limits.
  // Only purposes whose own rules hold can be laid out; the others' problems are reported above.
  const plannable = located.filter((l) => l.checked && firstPurpose.get(l.purpose.id) === l.purpose);
  const where = new Map(plannable.map((l) => [l.purpose.id, l]));
  problems.push(
    ...derivedNameProblems(
      {
        dir,
        digest: "",
        purposes: plannable.map((l) => l.purpose).sort(byId) as RegisteredPurpose[],
        evidence: [],
      },
      (id, field) => {
        const l = where.get(id)!;
        return { file: l.purpose.file, line: l.line(["purposes", l.index, ...fieldKeys(field)]) };
      },
    ),
  );
  for (const v of tenancyViolations({ purposes: located, grants, reservation }))
    problems.push({
      file: v.file,
      line: lines.get(v.file)?.(v.path),
      ...(v.subject ? { subject: v.subject } : {}),
      field: v.field,
      message: v.message,
    });

  if (problems.length > 0) return { ok: false, problems };
  // Every purpose passed purposeRuleViolations, which checks each delivery mode's tier, kind, method and blocks:
  // exactly what the checked types of purpose.ts state.
  return {
    ok: true,
    registry: {
      dir,
      digest: registryDigest(sources),
      purposes: purposes.sort(byId) as RegisteredPurpose[],
      evidence: evidence.sort(byId),
    },
  };
}

const byId = (a: { id: string }, b: { id: string }) => a.id.localeCompare(b.id);

/** `consumers[1].namespace` as the YAML path below a purpose: `consumers`, 1, `namespace`. */
function fieldKeys(field: string): (string | number)[] {
  return field
    .split(/\.|\[(\d+)\]/)
    .filter(Boolean)
    .map((part) => (/^\d+$/.test(part) ? Number(part) : part));
}

/**
 * SHA-256 of a registry's files, each by its name in the folder and its exact text, in name order: the same files
 * give the same digest wherever the folder is, and any edit, added or removed file changes it.
 */
export function registryDigest(sources: readonly RegistrySource[]): string {
  const hash = createHash("sha256");
  for (const s of [...sources].sort((a, b) => (basename(a.file) < basename(b.file) ? -1 : 1)))
    hash.update(`${basename(s.file)}\0${s.text.length}\0${s.text}`);
  return hash.digest("hex");
}

function zodProblems(
  error: z.ZodError,
  data: unknown,
  file: string,
  line: (path: readonly PropertyKey[]) => number | undefined,
): Problem[] {
  return error.issues.flatMap((issue) => {
    const path = issue.path;
    // Name the purpose by its id where the document has one, so the owner finds it without counting list items.
    let subject: string | undefined;
    let field = fieldPath(path);
    if (path[0] === "purposes" && typeof path[1] === "number") {
      const raw = (data as { purposes?: unknown[] })?.purposes?.[path[1]];
      const id = (raw as { id?: unknown } | undefined)?.id;
      subject = typeof id === "string" && id ? id : `purposes[${path[1]}]`;
      field = fieldPath(path.slice(2));
    } else if (path[0] === "evidence" && typeof path[1] === "number") {
      const raw = (data as { evidence?: unknown[] })?.evidence?.[path[1]];
      const id = (raw as { id?: unknown } | undefined)?.id;
      subject = typeof id === "string" && id ? `evidence ${id}` : `evidence[${path[1]}]`;
      field = fieldPath(path.slice(2));
    }
    const keys = issue.code === "unrecognized_keys" ? issue.keys : [undefined];
    return keys.map((key) => ({
      file,
      line: line(key ? [...path, key] : path),
      subject,
      field: key ? (field ? `${field}.${key}` : key) : field || undefined,
      message: key
        ? "is not a known field (check the spelling; see schema/purpose-registry.schema.json)"
        : issueMessage(issue, valueAt(data, path)),
    }));
  });
}

/** zod does not report the input in its issues, so "missing" is read from the document itself. */
function issueMessage(issue: z.core.$ZodIssue, value: unknown): string {
  if (
    value === undefined &&
    (issue.code === "invalid_type" || issue.code === "invalid_value" || issue.code === "invalid_union")
  )
    return issue.code === "invalid_value" ? `is required (one of ${issue.values.join(", ")})` : "is required";
  return issue.message;
}

function valueAt(data: unknown, path: readonly PropertyKey[]): unknown {
  return path.reduce<unknown>(
    (v, key) => (v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[key] : undefined),
    data,
  );
}

/** The issues of a nested parse, with their paths made absolute within the file. */
function prefixed(error: z.ZodError, prefix: readonly PropertyKey[]): z.ZodError {
  return { issues: error.issues.map((issue) => ({ ...issue, path: [...prefix, ...issue.path] })) } as z.ZodError;
}

/** The 1-based line of the node at `path`, or of its nearest existing ancestor (for missing fields). */
function lineOf(doc: Document, counter: LineCounter, path: readonly PropertyKey[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as (string | number)[], true);
    if (isNode(node) && node.range) return counter.linePos(node.range[0]).line;
  }
  return undefined;
}
