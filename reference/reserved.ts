import { declaredPlatformNamespaces, PLATFORM_NAMESPACE_KEYS } from "../config/platform-namespaces.js";
import { defaultPlatformReservation, KUBERNETES_NAMESPACES } from "../registry/tenancy.js";
import { table } from "./markdown.js";

/**
 * The names the platform keeps for itself (docs/registry.md, section `reserved`), rendered from registry/tenancy.ts
 * and the namespaces Pulumi.yaml declares, so the list is the one validation uses.
 */
export function reservedNamesTable(): string {
  const defaults = declaredPlatformNamespaces();
  const namespaces = [
    ...KUBERNETES_NAMESPACES.map((n) => [`\`${n}\``, "Kubernetes' own", "—"]),
    ...Object.entries(PLATFORM_NAMESPACE_KEYS).map(([role, { key, runs }]) => [
      `\`${defaults[role as keyof typeof defaults]}\``,
      runs,
      `\`${key}\``,
    ]),
  ];
  const secrets = [...defaultPlatformReservation().secrets].map(([secret, what]) => [`\`${secret}\``, what]);
  return [
    table(["namespace (default)", "what runs there", "stack config key"], namespaces),
    table(["Secret (default namespace)", "what it holds"], secrets),
  ].join("\n");
}
