import assert from "node:assert/strict";
import type { OpenBao } from "../openbao.js";

/**
 * The real server as the oracle of the ACL evaluator: policies written as the Pulumi vault provider writes a
 * `vault:index/policy:Policy` (`PUT sys/policies/acl/<name>`), tokens made with exactly a set of policies and no
 * default policy, and what the server says such a token may do on a list of paths.
 *
 * Capabilities are asked with `POST sys/capabilities` (token and paths in the body, as root) rather than by the token
 * itself through `sys/capabilities-self`: the same handler and the same `Core.Capabilities` call on the token's own
 * policies, but a token without the default policy may not call `capabilities-self` (the default policy is what
 * grants it), and granting it would add a rule to the very set of policies under test.
 */

/** What the server answered to a policy write: accepted (204), or refused at parse time (400) with its message. */
export type WriteOutcome = { accepted: true } | { accepted: false; error: string };

export async function writePolicy(server: OpenBao, name: string, text: string): Promise<WriteOutcome> {
  const res = await server.api<{ errors?: string[] }>("PUT", `/v1/sys/policies/acl/${encodeURIComponent(name)}`, {
    policy: text,
  });
  if (res.status === 204 || res.status === 200) return { accepted: true };
  assert.equal(res.status, 400, `PUT sys/policies/acl/${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return { accepted: false, error: (res.body?.errors ?? []).join("; ") };
}

/** The text the server stores for a policy (`GET sys/policies/acl/<name>`). */
export async function readPolicy(server: OpenBao, name: string): Promise<string> {
  const res = await server.api<{ data: { policy: string; name: string } }>(
    "GET",
    `/v1/sys/policies/acl/${encodeURIComponent(name)}`,
  );
  assert.equal(res.status, 200, `GET sys/policies/acl/${name}: ${res.status} ${JSON.stringify(res.body)}`);
  assert.equal(res.body.data.name, name);
  return res.body.data.policy;
}

export async function deletePolicy(server: OpenBao, name: string): Promise<void> {
  const res = await server.api("DELETE", `/v1/sys/policies/acl/${encodeURIComponent(name)}`);
  assert.ok(res.status === 204 || res.status === 200, `DELETE sys/policies/acl/${name}: ${res.status}`);
}

/** A token carrying exactly `policies`, without the default policy, made by root. */
export async function tokenWith(server: OpenBao, policies: readonly string[]): Promise<string> {
  const res = await server.api<{ auth: { client_token: string; policies: string[] } }>(
    "POST",
    "/v1/auth/token/create",
    { policies, no_default_policy: true, ttl: "1h" },
  );
  assert.equal(res.status, 200, `auth/token/create: ${res.status} ${JSON.stringify(res.body)}`);
  assert.deepEqual([...res.body.auth.policies].sort(), [...policies].sort());
  return res.body.auth.client_token;
}

/**
 * The server's capabilities of `token` on each path, in one request, as the server sorts them: `["deny"]` when
 * nothing is granted. The paths must be non-empty and carry no surrounding whitespace (the API trims the list).
 */
export async function serverCapabilities(
  server: OpenBao,
  token: string,
  paths: readonly string[],
): Promise<Map<string, string[]>> {
  const unique = [...new Set(paths)];
  const res = await server.api<{ data: Record<string, string[]> }>("POST", "/v1/sys/capabilities", {
    token,
    paths: unique,
  });
  assert.equal(res.status, 200, `sys/capabilities: ${res.status} ${JSON.stringify(res.body)}`);
  return new Map(unique.map((p) => [p, res.body.data[p] ?? assert.fail(`sys/capabilities: no answer for ${p}`)]));
}

/** The evaluator's answer in the server's form: sorted, `["deny"]` for a deny and for nothing granted. */
export function asServerAnswer(capabilities: readonly string[]): string[] {
  return capabilities.length === 0 ? ["deny"] : [...capabilities].sort();
}
