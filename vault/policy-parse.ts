import { parse as parseHcl } from "@cdktf/hcl2json";
import { policyRules, type PolicyDocumentJson, type PolicyRule } from "./acl-eval.js";

/**
 * A Vault policy document as operators write it: JSON, or HCL parsed by HashiCorp's own HCL parser (hcl2json, the
 * Go parser compiled to WebAssembly) rather than by pattern matching, so comments, heredocs and block syntax parse as
 * Vault parses them.
 */
export async function parsePolicyDocument(name: string, text: string): Promise<PolicyRule[]> {
  let doc: PolicyDocumentJson;
  try {
    doc = JSON.parse(text) as PolicyDocumentJson;
  } catch {
    doc = (await parseHcl(`${name}.hcl`, text)) as PolicyDocumentJson;
  }
  if (!doc || typeof doc !== "object" || (doc.path !== undefined && typeof doc.path !== "object"))
    throw new Error(`${name}: not a Vault policy document (path blocks expected)`);
  return policyRules(name, doc);
}
