import { changeCount, type AccessChange, type Review } from "./diff.js";
import { valueInBrief } from "./targets.js";

/** Where the two sides of a review came from, for its heading. */
export interface ReviewSources {
  base: string;
  head: string;
}

/** Capabilities that change what a path holds (KV writes, transit operations, PKI signing) rather than only read it. */
const WRITES = new Set(["create", "update", "patch", "delete", "sudo"]);
const verb = (caps: readonly string[]) => (caps.some((c) => WRITES.has(c)) ? "writer" : "reader");
const code = (s: string) => `\`${s.replaceAll("`", "'")}\``;
const caps = (c: readonly string[]) => `[${c.join(", ")}]`;
const list = (xs: readonly string[]) => xs.map(code).join(", ");

/** review.md: a pull request comment saying what the change grants and takes away. Holds no secret value. */
export function reviewMarkdown(review: Review, sources: ReviewSources): string {
  const n = changeCount(review);
  const lines = [
    "# Access and trust review",
    "",
    `Base ${code(sources.base)}, head ${code(sources.head)}: ${n === 0 ? "no change to access or trust." : `${n} change${n === 1 ? "" : "s"}.`}`,
  ];
  const section = (title: string, body: string[]) => {
    if (body.length) lines.push("", `## ${title}`, "", ...body);
  };

  section("Readers and writers per purpose", accessLines(review.access));
  section(
    "Vault policies",
    review.policies.flatMap((p) => [
      `- ${p.change} policy ${code(p.name)}`,
      ...p.granted.map((g) => `  - grants ${code(g.path)} ${caps(g.capabilities)}`),
      ...p.revoked.map((g) => `  - no longer grants ${code(g.path)} ${caps(g.capabilities)}`),
    ]),
  );
  section(
    "Kubernetes auth roles",
    review.authRoles.map((r) => {
      const details = [
        r.identities.added.length ? `binds ${list(r.identities.added)}` : "",
        r.identities.removed.length ? `no longer binds ${list(r.identities.removed)}` : "",
        r.policies.added.length ? `policies + ${list(r.policies.added)}` : "",
        r.policies.removed.length ? `policies − ${list(r.policies.removed)}` : "",
      ].filter(Boolean);
      return `- ${r.change} role ${code(r.name)}${details.length ? `: ${details.join("; ")}` : ""}`;
    }),
  );
  section(
    "PKI roles",
    review.pkiRoles.flatMap((r) => [
      `- ${r.change} PKI role ${code(r.role)}`,
      ...r.fields.map(
        (f) =>
          `  - ${code(f.field)}: ${r.change === "changed" ? `${shown(f.before)} → ${shown(f.after)}` : shown(f.before ?? f.after)}`,
      ),
    ]),
  );
  section(
    "DNS names",
    review.dnsNames.map(
      (d) =>
        `- ${code(d.resource)}${d.purpose ? ` (${d.purpose})` : ""}: ${[
          d.added.length ? `adds ${list(d.added)}` : "",
          d.removed.length ? `removes ${list(d.removed)}` : "",
        ]
          .filter(Boolean)
          .join("; ")}`,
    ),
  );
  section(
    "Kubernetes Secrets",
    review.secrets.map(
      (s) =>
        `- ${s.change} ${code(s.secret)}${s.from ? ` (was ${code(s.from)})` : ""}${s.purpose ? `, purpose ${s.purpose}` : ""}, by ${s.by}`,
    ),
  );
  section(
    "Deleted, replaced and protection",
    review.resources.map(
      (r) =>
        `- ${r.change} ${code(r.resource)} in ${r.stack}${r.change === "replaced" ? ` (${r.from ?? "?"} → ${r.to ?? "?"})` : ""}${
          r.protected && (r.change === "deleted" || r.change === "replaced")
            ? " — **protected**: the change fails until protection is lifted"
            : ""
        }`,
    ),
  );
  lines.push("", "Secret values are never shown: the plan and preview documents hold `[secret]` in their place.", "");
  return lines.join("\n");
}

/** Per purpose, each identity that becomes, stops being or changes as a reader or writer of one of its paths. */
function accessLines(changes: readonly AccessChange[]): string[] {
  const out: string[] = [];
  for (const purpose of [...new Set(changes.map((c) => c.purpose))].sort()) {
    out.push(`- ${code(purpose)}`);
    for (const c of changes.filter((x) => x.purpose === purpose)) {
      const who = `${code(c.identity)} (role ${code(c.role)})`;
      if (c.before.length === 0) out.push(`  - new ${verb(c.after)} ${who}: ${code(c.path)} ${caps(c.after)}`);
      else if (c.after.length === 0)
        out.push(`  - removed ${verb(c.before)} ${who}: ${code(c.path)} ${caps(c.before)}`);
      else out.push(`  - changed ${who}: ${code(c.path)} ${caps(c.before)} → ${caps(c.after)}`);
    }
  }
  return out;
}

const shown = (v: unknown) => (v === undefined ? "unset" : code(valueInBrief(v)));
