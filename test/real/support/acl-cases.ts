/**
 * Policies and request paths on which the ACL evaluator is compared with the real server: OpenBao's own ACL and
 * policy tests (internal/vault/policy/acl_test.go, policy_test.go: their policies, and the paths they check), the
 * examples of the policy documentation, and the cases a new user meets on day one (leading and trailing slashes, `+`
 * against an empty segment, LIST fallbacks, literal `+` and `*` inside names, the legacy `policy = "..."` field).
 * Each request path is also asked with a leading `/`, a trailing `/` and both, since that is where models go wrong.
 */

export interface AclCase {
  name: string;
  /** Where the policies come from. */
  source: string;
  /** The policy documents of one token (HCL or JSON), each written to the server as its own policy. */
  policies: string[];
  paths: string[];
}

/** A path with a leading slash, a trailing slash and both, besides itself. */
export const variants = (path: string): string[] => [path, `/${path}`, `${path}/`, `/${path}/`, `//${path}`];

// internal/vault/policy/acl_test.go: aclPolicy, the policy of TestACL_Single and TestACL_Capabilities.
const aclPolicy = `
name = "DeV"
path "dev/*" {
	policy = "sudo"
}
path "stage/*" {
	policy = "write"
}
path "stage/aws/*" {
	policy = "read"
	capabilities = ["update", "sudo"]
}
path "stage/aws/policy/*" {
	policy = "sudo"
}
path "prod/*" {
	policy = "read"
}
path "prod/aws/*" {
	policy = "deny"
}
path "sys/*" {
	policy = "deny"
}
path "foo/bar" {
	capabilities = ["read", "create", "sudo"]
}
path "baz/quux" {
	capabilities = ["read", "create", "patch"]
}
path "test/+/segment" {
	capabilities = ["read"]
}
path "+/segment/at/front" {
	capabilities = ["read"]
}
path "test/segment/at/end/+" {
	capabilities = ["read"]
}
path "test/segment/at/end/v2/+/" {
	capabilities = ["read"]
}
path "test/+/wildcard/+/*" {
	capabilities = ["read"]
}
path "test/+/wildcardglob/+/end*" {
	capabilities = ["read"]
}
path "1/2/*" {
	capabilities = ["create"]
}
path "1/2/+" {
	capabilities = ["read"]
}
path "1/2/+/+" {
	capabilities = ["update"]
}
path "asdf/fdsa" {
	capabilities = ["scan"]
}
`;

// acl_test.go: aclPolicy2, layered over aclPolicy in TestACL_Layered.
const aclPolicy2 = `
name = "OpS"
path "dev/hide/*" {
	policy = "deny"
}
path "stage/aws/policy/*" {
	policy = "deny"
	# This should have no effect
	capabilities = ["read", "update", "sudo"]
}
path "prod/*" {
	policy = "write"
}
path "sys/seal" {
	policy = "sudo"
}
path "foo/bar" {
	capabilities = ["deny"]
}
path "baz/quux" {
	capabilities = ["deny"]
}
`;

const singlePaths = [
  "root",
  "dev",
  "dev/foo",
  "dev/hide/foo",
  "stage/foo",
  "stage/aws/foo",
  "stage/aws/test",
  "stage/aws/policy/foo",
  "prod/foo",
  "prod/aws/foo",
  "sys/status",
  "sys/seal",
  "sys/mount/foo",
  "foo/bar",
  "baz/quux",
  "asdf/fdsa",
  "test/foo/bar/segment",
  "test/foo/segment",
  "test/bar/segment",
  "test/segment/at/frond",
  "test/segment/at/front",
  "test/segment/at/end/foo",
  "test/segment/at/end/foo/",
  "test/segment/at/end/v2/foo/",
  "test/segment/wildcard/at/foo/",
  "test/segment/wildcard/at/end",
  "test/segment/wildcard/at/end/",
  "test/x/wildcardglob/y/endless",
  "test/x/wildcardglob/y/en",
  "1/2/3/4",
  "1/2/3",
  "1/2/3/4/5",
  "1/2",
  "1/2/",
  "seg//segment/at/front",
].flatMap(variants);

// acl_test.go: TestACL_SegmentWildcardPriority, each a read rule and an update rule that must win.
const priority: [string, string][] = [
  [`path "+/*" { capabilities = ["read"] }\npath "*" { capabilities = ["update"] }`, "foo/bar/bar/baz"],
  [`path "+/*" { capabilities = ["read"] }\npath "foo/+/*" { capabilities = ["update"] }`, "foo/bar/bar/baz"],
  [
    `path "foo/+/+/*" { capabilities = ["read"] }\npath "foo/+/bar/baz" { capabilities = ["update"] }`,
    "foo/bar/bar/baz",
  ],
  [
    `path "foo/+/+/baz" { capabilities = ["read"] }\npath "foo/+/bar/baz" { capabilities = ["update"] }`,
    "foo/bar/bar/baz",
  ],
  [
    `path "foo/+/(ar/baz" { capabilities = ["read"] }\npath "foo/(ar/+/baz" { capabilities = ["update"] }`,
    "foo/(ar/(ar/baz",
  ],
  [
    `path "foo/bar/+/baz*" { capabilities = ["read"] }\npath "foo/bar/+/baz" { capabilities = ["update"] }`,
    "foo/bar/bar/baz",
  ],
  [
    `path "foo/bar/+/b*" { capabilities = ["read"] }\npath "foo/bar/+/ba*" { capabilities = ["update"] }`,
    "foo/bar/bar/baz",
  ],
];

// acl_test.go: TestACL_ListScanWildcardDeny.
const listScanDeny = `
path "foo/metadata/*" { capabilities = ["list","scan"] }
path "foo/metadata/private/*" { capabilities = ["deny"] }
path "foo/metadata/private/granted/*" { capabilities = ["list","scan"] }
`;

// acl_test.go: TestACLGrantingPolicies.
const granting = `
name = "granting_policy"
path "kv/foo" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["update", "read"] }
path "kv/path/longer2" { capabilities = ["update"] }
path "kv/deny" { capabilities = ["deny"] }
path "ns1/kv/foo" { capabilities = ["update", "read"] }
`;
const grantingMerged = `
name = "granting_policy_merged"
path "kv/foo" { capabilities = ["update", "read"] }
path "kv/bar" { capabilities = ["update", "read"] }
path "kv/path/*" { capabilities = ["read"] }
path "kv/path/longer" { capabilities = ["read"] }
path "kv/path/longer3" { capabilities = ["read"] }
path "kv/deny" { capabilities = ["update"] }
`;
const grantingPaths = ["kv/foo", "kv/bar", "kv/deny", "kv/path/foo", "kv/path/longer", "kv/path/longer3", "kv/bad"];

// policy_test.go: rawPolicy, without its control group (not modelled here, see docs/access.md).
const rawPolicy = `
# Developer policy
name = "dev"
# Deny all paths by default
path "*" {
	policy = "deny"
}
# Allow full access to staging
path "stage/*" {
	policy = "sudo"
}
# Limited read privilege to production
path "prod/version" {
	policy = "read"
	comment = "this comment is stored but not parsed"
}
path "/foo/bar" {
	policy = "read"
	min_wrapping_ttl = 300
	max_wrapping_ttl = "1h"
}
path "foo/bar" {
	capabilities = ["create", "sudo"]
	min_wrapping_ttl = "300s"
	max_wrapping_ttl = 3600
}
path "foo/bar" {
	capabilities = ["create", "sudo"]
	allowed_parameters = {
	  "zip" = []
	  "zap" = []
	}
}
path "baz/bar" {
	capabilities = ["create", "sudo"]
	denied_parameters = {
	  "zip" = []
	  "zap" = []
	}
}
path "test/types" {
	capabilities = ["create", "sudo"]
	allowed_parameters = {
		"map" = [{"good" = "one"}]
		"int" = [1, 2]
	}
	denied_parameters = {
		"string" = ["test"]
		"bool" = [false]
	}
}
path "test/req" {
	capabilities = ["create", "sudo"]
	required_parameters = ["foo"]
}
path "test/patch" {
	capabilities = ["patch"]
}
path "test/scan" {
	capabilities = ["scan"]
}
path "test/mfa" {
	capabilities = ["create", "sudo"]
	mfa_methods = ["my_totp", "my_totp2"]
}
path "test/+/segment" {
	capabilities = ["create", "sudo"]
}
path "test/segment/at/end/+" {
	capabilities = ["create", "sudo"]
}
path "test/segment/at/end/v2/+/" {
	capabilities = ["create", "sudo"]
}
path "test/+/wildcard/+/*" {
	capabilities = ["create", "sudo"]
}
path "test/+/wildcard/+/end*" {
	capabilities = ["create", "sudo"]
}
path "paginated-kv/metadata" {
	capabilities = ["list"]
	pagination_limit = 12345
}
path "some-expired-path" {
	capabilities = ["list"]
	expiration = "2006-01-02T15:04:05Z"
}
path "test/metadata/*" {
	capabilities = ["list"]
	list_scan_response_keys_filter_path = "test/metadata/{{ .key }}"
}
`;
const rawPaths = [
  "anything",
  "stage/x",
  "prod/version",
  "prod/other",
  "foo/bar",
  "baz/bar",
  "test/types",
  "test/req",
  "test/patch",
  "test/scan",
  "test/mfa",
  "test/a/segment",
  "test/segment/at/end/x",
  "test/segment/at/end/v2/x/",
  "test/a/wildcard/b/c",
  "test/a/wildcard/b/endless",
  "paginated-kv/metadata",
  "some-expired-path",
  "test/metadata/x",
].flatMap(variants);

export const ACL_CASES: AclCase[] = [
  { name: "aclPolicy", source: "acl_test.go TestACL_Single", policies: [aclPolicy], paths: singlePaths },
  {
    name: "aclPolicy + aclPolicy2",
    source: "acl_test.go TestACL_Layered",
    policies: [aclPolicy, aclPolicy2],
    paths: singlePaths,
  },
  ...priority.map(([policy, path], i) => ({
    name: `segment wildcard priority ${i + 1}`,
    source: "acl_test.go TestACL_SegmentWildcardPriority",
    policies: [policy],
    paths: variants(path),
  })),
  {
    name: "list and scan under a denied prefix",
    source: "acl_test.go TestACL_ListScanWildcardDeny",
    policies: [listScanDeny],
    paths: [
      "foo",
      "foo/metadata",
      "foo/metadata/test",
      "foo/metadata/private",
      "foo/metadata/private/internal",
      "foo/metadata/private/granted",
      "foo/metadata/private/granted/test",
    ].flatMap(variants),
  },
  {
    name: "granting policies, alone and merged",
    source: "acl_test.go TestACLGrantingPolicies",
    policies: [granting, grantingMerged],
    paths: grantingPaths.flatMap(variants),
  },
  {
    name: "granting policy",
    source: "acl_test.go TestACLGrantingPolicies",
    policies: [granting],
    paths: grantingPaths,
  },
  { name: "rawPolicy", source: "policy_test.go TestPolicy_Parse", policies: [rawPolicy], paths: rawPaths },
  {
    name: "the documentation's examples",
    source: "the policy documentation (policies, priority matching)",
    policies: [
      `
path "secret/foo" { capabilities = ["read"] }
path "secret/bar/*" { capabilities = ["create", "read", "update", "patch", "delete", "list"] }
path "secret/zip-*" { capabilities = ["read"] }
path "secret/+/teamb" { capabilities = ["read", "list"] }
path "secret/+/+/teamb*" { capabilities = ["update"] }
path "secret/super-secret" { capabilities = ["deny"] }
path "secret/*" { capabilities = ["read", "list"] }
path "secret/+/foo" { capabilities = ["update"] }
`,
    ],
    paths: [
      "secret/foo",
      "secret/bar/zip",
      "secret/bar",
      "secret/zip-zap",
      "secret/zip-zap/zong",
      "secret/foo/teamb",
      "secret//teamb",
      "secret/foo/bar/teamb",
      "secret/foo/bar/teambeta",
      "secret/a/b/teamb/c",
      "secret/super-secret",
      "secret/x/foo",
      "secret",
    ].flatMap(variants),
  },
  {
    name: "leading slashes in rules",
    source: "day one: a path written as an API path",
    policies: [`path "/kv/data/a" { capabilities = ["read"] }\npath "//kv/data/b" { capabilities = ["read"] }`],
    paths: ["kv/data/a", "kv/data/b", "/kv/data/b"].flatMap(variants),
  },
  {
    name: "+ against an empty segment",
    source: "day one",
    policies: [`path "kv/+/x" { capabilities = ["read"] }\npath "kv/a/+" { capabilities = ["list"] }`],
    paths: ["kv//x", "kv/a/", "kv/a//", "kv//x/", "kv/a"].flatMap(variants),
  },
  {
    name: "LIST and trailing-slash fallbacks",
    source: "day one: listing a KV v2 folder",
    policies: [
      `path "kv/metadata/team" { capabilities = ["list"] }\npath "kv/metadata/*" { capabilities = ["read"] }\npath "kv/data/a*" { capabilities = ["read"] }\npath "kv/data/+/b" { capabilities = ["update"] }`,
    ],
    paths: [
      "kv/metadata/team",
      "kv/metadata/team/",
      "kv/metadata/team//",
      "kv/metadata/other/",
      "kv/data/a",
      "kv/data/a/",
      "kv/data/x/b/",
      "kv/data/x/b//",
    ].flatMap(variants),
  },
  {
    name: "literal + and * inside names",
    source: "day one: names with + or * in them",
    policies: [
      `path "kv/a+b" { capabilities = ["read"] }\npath "kv/+b/c" { capabilities = ["update"] }\npath "kv/a*b" { capabilities = ["create"] }\npath "kv/*" { capabilities = ["list"] }\npath "kv/x+/*" { capabilities = ["delete"] }`,
    ],
    paths: ["kv/a+b", "kv/axb", "kv/+b/c", "kv/xb/c", "kv/a*b", "kv/a*", "kv/x+/y", "kv/x+", "kv/x/y"].flatMap(
      variants,
    ),
  },
  {
    name: "literal + and * before the first wildcard, in the priority order",
    source: "day one: the server counts a + inside a name as a wildcard position, and a * inside a name not at all",
    policies: [
      `path "a+b/*" { capabilities = ["read"] }\npath "a+b/+/c" { capabilities = ["update"] }`,
      `path "k*v/+/c" { capabilities = ["update"] }\npath "k*v/x*" { capabilities = ["read"] }`,
    ],
    paths: ["a+b/x/c", "a+b/x/d", "k*v/x/c", "k*v/y/c"].flatMap(variants),
  },
  {
    name: "lengths and order in bytes",
    source: "day one: names beyond ASCII",
    policies: [`path "+/é/+" { capabilities = ["read"] }\npath "+/+/ab" { capabilities = ["update"] }`],
    paths: ["x/é/ab", "x/é/b", "x/y/ab"].flatMap(variants),
  },
  {
    name: "the legacy policy field",
    source: "day one: a policy from before capabilities",
    policies: [
      `path "a/r" { policy = "read" }\npath "a/w" { policy = "write" }\npath "a/s" { policy = "sudo" }\npath "a/d" { policy = "deny" }\npath "a/u" {\n  policy = "read"\n  capabilities = ["update"]\n}\npath "a/x" {\n  policy = "deny"\n  capabilities = ["read"]\n}`,
    ],
    paths: ["a/r", "a/w", "a/s", "a/d", "a/u", "a/x"],
  },
  {
    name: "empty, root and glob-only rules",
    source: "day one",
    policies: [
      `path "" { capabilities = ["read"] }\npath "/" { capabilities = ["list"] }\npath "x/" { capabilities = [] }`,
    ],
    paths: ["/", "//", "x", "x/", "x//"],
  },
  {
    name: "a bare *",
    source: "day one: an admin policy",
    policies: [`path "*" { capabilities = ["read"] }\npath "sys/*" { capabilities = ["deny"] }`],
    paths: ["x", "/", "sys", "sys/", "sys/x", "a/b/"].flatMap(variants),
  },
  {
    name: "scan",
    source: "OpenBao's scan capability",
    policies: [
      `path "kv/metadata/*" { capabilities = ["scan", "list"] }\npath "kv/metadata/x" { capabilities = ["scan"] }`,
    ],
    paths: ["kv/metadata/x", "kv/metadata/x/", "kv/metadata/y/"],
  },
];

export interface ParseCase {
  name: string;
  text: string;
  /** Whether the server refuses it at parse time (400). */
  refused: boolean;
  /**
   * Accepted by the server but refused here, on purpose: quirks of the server's HCL 1 decoder, or features the
   * evaluator does not model (see docs/access.md). The test checks the server does accept each.
   */
  stricter?: string;
}

const j = (doc: unknown) => JSON.stringify(doc);
const body = (b: unknown) => j({ path: { "a/b": b } });

export const PARSE_CASES: ParseCase[] = [
  // policy_test.go
  { name: "TestPolicy_ParseBadRoot", text: `name = "test"\nbad  = "foo"\nnope = "yes"`, refused: true },
  {
    name: "TestPolicy_ParseBadPath",
    text: `path "/" {\n\tcapabilities = ["read"]\n\tcapabilites  = ["read"]\n}`,
    refused: true,
  },
  { name: "TestPolicy_ParseBadPolicy", text: `path "/" {\n\tpolicy = "banana"\n}`, refused: true },
  {
    name: "TestPolicy_ParseBadWrapping",
    text: `path "/" {\n\tpolicy = "read"\n\tmin_wrapping_ttl = 400\n\tmax_wrapping_ttl = 200\n}`,
    refused: true,
  },
  {
    name: "TestPolicy_ParseBadCapabilities",
    text: `path "/" {\n\tcapabilities = ["read", "banana"]\n}`,
    refused: true,
  },
  { name: "TestPolicy_ParseBadSegmentWildcard", text: `path "foo/+*" {\n\tcapabilities = ["read"]\n}`, refused: true },
  { name: "TestACL_ParseMalformedPolicy", text: `name{}`, refused: true },
  { name: "TestPolicy_Parse (rawPolicy without the control group)", text: rawPolicy, refused: false },
  { name: "aclPolicy (name, legacy fields)", text: aclPolicy, refused: false },
  // capabilities
  {
    name: "every OpenBao capability",
    text: `path "a" { capabilities = ["create", "read", "update", "patch", "delete", "list", "sudo", "scan"] }`,
    refused: false,
  },
  { name: "HashiCorp Vault's subscribe", text: `path "a" { capabilities = ["subscribe"] }`, refused: true },
  { name: "HashiCorp Vault's recover", text: `path "a" { capabilities = ["recover"] }`, refused: true },
  { name: "root is no capability of a policy", text: `path "a" { capabilities = ["root"] }`, refused: true },
  { name: "capabilities are lower case", text: `path "a" { capabilities = ["READ"] }`, refused: true },
  {
    name: "a capability after deny is not checked",
    text: `path "a" { capabilities = ["deny", "banana"] }`,
    refused: false,
  },
  { name: "capabilities as a string", text: `path "a" { capabilities = "read" }`, refused: true },
  { name: "capabilities as a JSON string", text: body({ capabilities: "read" }), refused: true },
  { name: "capabilities null", text: body({ capabilities: null }), refused: true },
  { name: "a number as a capability", text: body({ capabilities: [1] }), refused: true },
  { name: "an empty capability list", text: `path "a" { capabilities = [] }`, refused: false },
  { name: "no capabilities at all", text: `path "a" {}`, refused: false },
  // the legacy policy field
  { name: "legacy policy = read", text: `path "a" { policy = "read" }`, refused: false },
  { name: "legacy policy = write (JSON)", text: body({ policy: "write" }), refused: false },
  { name: "legacy policy in upper case", text: `path "a" { policy = "READ" }`, refused: true },
  { name: "legacy policy = list is no legacy value", text: `path "a" { policy = "list" }`, refused: true },
  {
    name: "legacy policy = deny covers a bad capability",
    text: body({ policy: "deny", capabilities: ["banana"] }),
    refused: false,
  },
  { name: "legacy policy = read does not", text: body({ policy: "read", capabilities: ["banana"] }), refused: true },
  { name: "legacy policy empty", text: body({ policy: "" }), refused: false },
  { name: "legacy policy as a number", text: body({ policy: 1 }), refused: true },
  // keys
  { name: "an unknown path key (JSON)", text: body({ capabilites: ["read"] }), refused: true },
  {
    name: "an unknown top-level key (JSON)",
    text: j({ path: { a: { capabilities: ["read"] } }, foo: 1 }),
    refused: true,
  },
  { name: "name and path", text: j({ name: "x", path: { a: { capabilities: ["read"] } } }), refused: false },
  { name: "name as a list", text: j({ name: ["x"], path: {} }), refused: true },
  {
    name: "every other path key",
    text: `path "a/*" {\n  capabilities = ["list"]\n  comment = "c"\n  allowed_parameters = { "x" = [] }\n  denied_parameters = { "y" = ["z"] }\n  required_parameters = ["x"]\n  min_wrapping_ttl = "1m"\n  max_wrapping_ttl = 3600\n  mfa_methods = ["m"]\n  pagination_limit = 10\n  expiration = "2999-01-01T00:00:00Z"\n  list_scan_response_keys_filter_path = "a/{{ .key }}"\n}`,
    refused: false,
  },
  // shapes
  { name: "a JSON path body as a list", text: j({ path: { "a/b": [{ capabilities: ["read"] }] } }), refused: true },
  { name: "a JSON path body as a string", text: j({ path: { "a/b": "read" } }), refused: true },
  { name: "a JSON path body null", text: j({ path: { "a/b": null } }), refused: true },
  { name: "JSON path as a string", text: j({ path: "x" }), refused: true },
  { name: "JSON path null", text: j({ path: null }), refused: true },
  {
    name: "JSON path as a list of objects",
    text: j({ path: [{ "a/b": { capabilities: ["read"] } }] }),
    refused: false,
  },
  { name: "an empty JSON document", text: j({}), refused: false },
  { name: "a top-level JSON list", text: j([{ path: {} }]), refused: true },
  { name: "a comment only", text: `# nothing yet`, refused: false },
  { name: "an unterminated block", text: `path "x" {`, refused: true },
  { name: "an object nested in a path body", text: body({ capabilities: ["read"], x: { y: 1 } }), refused: true },
  // paths
  { name: "+* anywhere", text: `path "a+*" { capabilities = ["read"] }`, refused: true },
  { name: "+ and * apart", text: `path "a/+/b*" { capabilities = ["read"] }`, refused: false },
  { name: "* inside a name", text: `path "a/*/b" { capabilities = ["read"] }`, refused: false },
  { name: "}} before any {{", text: j({ path: { "a}}b": { capabilities: ["read"] } } }), refused: true },
  { name: "an unclosed {{", text: j({ path: { "a{{b": { capabilities: ["read"] } } }), refused: true },
  {
    name: "a stray }} after a template",
    text: j({ path: { "a{{b}}c}}": { capabilities: ["read"] } } }),
    refused: true,
  },
  // values checked at parse time
  {
    name: "an expiration that is no time",
    text: body({ capabilities: ["read"], expiration: "tomorrow" }),
    refused: true,
  },
  {
    name: "an expiration that is a date only",
    text: body({ capabilities: ["read"], expiration: "2099-01-01" }),
    refused: true,
  },
  {
    name: "an expiration as epoch seconds",
    text: body({ capabilities: ["read"], expiration: "4102444800" }),
    refused: false,
  },
  {
    name: "an expiration in the past",
    text: body({ capabilities: ["read"], expiration: "2006-01-02T15:04:05Z" }),
    refused: false,
  },
  {
    name: "nothing else is checked on a path expired when written",
    text: j({ path: { "a+*": { capabilities: ["banana"], expiration: "2006-01-02T15:04:05Z" } } }),
    refused: false,
  },
  { name: "a bad expiration under deny", text: body({ capabilities: ["deny"], expiration: "nope" }), refused: true },
  {
    name: "a wrapping TTL that is no duration",
    text: body({ capabilities: ["read"], min_wrapping_ttl: "abc" }),
    refused: true,
  },
  { name: "a wrapping TTL in days", text: body({ capabilities: ["read"], min_wrapping_ttl: "1d" }), refused: false },
  {
    name: "a bad wrapping TTL under deny",
    text: body({ capabilities: ["deny"], min_wrapping_ttl: "abc" }),
    refused: false,
  },
  {
    name: "max wrapping TTL under min, under deny",
    text: body({ capabilities: ["deny"], min_wrapping_ttl: 400, max_wrapping_ttl: 200 }),
    refused: false,
  },
  {
    name: "a response keys filter without list",
    text: body({ capabilities: ["read"], list_scan_response_keys_filter_path: "a/{{ .key }}" }),
    refused: true,
  },
  {
    name: "a response keys filter under deny",
    text: body({ capabilities: ["deny"], list_scan_response_keys_filter_path: "x" }),
    refused: false,
  },
  {
    name: "a pagination limit that is no integer",
    text: body({ capabilities: ["list"], pagination_limit: "x" }),
    refused: true,
  },
  {
    name: "a pagination limit as a string",
    text: body({ capabilities: ["list"], pagination_limit: "5" }),
    refused: false,
  },
  {
    name: "a pagination limit with a fraction",
    text: body({ capabilities: ["list"], pagination_limit: 1.5 }),
    refused: true,
  },
  {
    name: "allowed parameters as a list",
    text: body({ capabilities: ["read"], allowed_parameters: [] }),
    refused: true,
  },
  {
    name: "an allowed parameter's values as a string",
    text: body({ capabilities: ["read"], allowed_parameters: { x: "y" } }),
    refused: true,
  },
  { name: "mfa methods as a string", text: body({ capabilities: ["read"], mfa_methods: "x" }), refused: true },
  {
    name: "a control group without factor",
    text: `path "a" {\n  capabilities = ["read"]\n  control_group = { ttl = "1h" }\n}`,
    refused: true,
  },
  // accepted by the server, refused here on purpose
  {
    name: "a control group",
    text: `path "a" {\n  capabilities = ["read"]\n  control_group = {\n    ttl = "48m"\n    factor "admin-approval" {\n      controlled_capabilities = ["create"]\n      identity = {\n        group_names = ["admin"]\n        approvals = 1\n      }\n    }\n  }\n}`,
    refused: false,
    stricter: "control groups are not modelled",
  },
  {
    name: "an attribute set twice in HCL",
    text: `path "a" {\n  capabilities = ["read"]\n  capabilities = ["list"]\n}`,
    refused: false,
    stricter: "HCL 1 merges the two lists; HCL 2 (the parser here) refuses a redefined attribute",
  },
  {
    name: "a key twice in one JSON object",
    text: `{"path": {"a": {"capabilities": ["read"]}, "a": {"capabilities": ["list"]}}}`,
    refused: false,
    stricter: "the server merges both; JSON.parse would keep the last, so a duplicate key is refused",
  },
  {
    name: "a boolean as a capability",
    text: body({ capabilities: [true] }),
    refused: false,
    stricter: "the server's decoder drops it; capabilities must be strings here",
  },
  {
    name: "text after the JSON document",
    text: `{"path": {}} x`,
    refused: false,
    stricter: "the server's JSON decoder stops at the document's end",
  },
  {
    name: "a path block without a label",
    text: `path { capabilities = ["read"] }`,
    refused: false,
    stricter: 'HCL 1 makes it a rule on the path "path"',
  },
];
