import { PlatformControllers } from "../components/steady-state/controllers.js";
import { customResource } from "../components/steady-state/custom-resource.js";
import { TeamDeliveries } from "../components/steady-state/purpose-delivery.js";
import { VaultSecretStores } from "../components/steady-state/secret-stores.js";
import { VaultIssuers } from "../components/steady-state/vault-issuers.js";
import { controllerReleases } from "../delivery/charts.js";
import { steadyStateLayout, type SteadyStateLayout } from "../delivery/layout.js";
import { issuerCoverageSeconds } from "../delivery/timing.js";
import { TRUST_BUNDLE } from "../delivery/trust-bundle.js";
import { groupBy } from "../registry/index-by.js";
import { postureContract } from "../posture/model.js";
import type { Registry } from "../registry/load.js";
import { stackName } from "./catalog.js";
import { rootOfTrust } from "./root-trust.js";
import type { PhaseProgram } from "./context.js";
import { inputError } from "./errors.js";
import { namespacesOfEarlierPhases } from "./namespaces.js";
import type { PhaseOutputsRead, PostureSchedule } from "./outputs.js";
import { VAULT_PKI_INTERMEDIATE } from "./runtime-authority.js";

/** What the steady state reads from the runtime-authority stack's outputs. */
const RUNTIME_AUTHORITY_KEYS = [
  "status",
  "vault",
  "kvSecrets",
  "pkiRoles",
  "authRoles",
  "issuerRoles",
  "transitKeys",
] as const;
export type RuntimeAuthorityView = PhaseOutputsRead<"runtime-authority", (typeof RUNTIME_AUTHORITY_KEYS)[number]>;

/** Service accounts the charts create, named after their releases (see delivery/charts.ts). */
const CERT_MANAGER_SERVICE_ACCOUNT = "cert-manager";
const CSI_DRIVER_SERVICE_ACCOUNT = "cert-manager-csi-driver";

/**
 * Phase 4: the steady state. Every value reaches its consumers from Vault: ExternalSecrets (periodic, reveal-once,
 * or keeping a handed-over bootstrap Secret current), generated values pushed to Vault and rotated without Git,
 * certificates from Vault PKI through cert-manager (Certificates, or csi-driver volumes held in memory), the root
 * distributed by trust-manager, and Reloader rolling consumers that ask for it. Nothing here writes to Vault or
 * needs a Vault token: Vault was configured by the runtime-authority stack, whose outputs are checked against the
 * registry before any resource is registered.
 */
export const steadyState: PhaseProgram<"steady-state"> = async ({ config, registry, phaseOutputs }) => {
  const { rootCertificatePem, signed } = await rootOfTrust({ config, phaseOutputs });
  const ra = await phaseOutputs("runtime-authority", RUNTIME_AUTHORITY_KEYS);
  const layout = steadyStateLayout(registry, { vaultServer: ra.vault?.address ?? "", rootCertificatePem });
  const problems = runtimeAuthorityProblems(ra, layout, config.steadyState.certManager.namespace);
  if (problems.length > 0)
    throw inputError(
      `the ${stackName(config.cluster, "runtime-authority")} stack does not match the registry, nothing registered:\n  ${problems.join("\n  ")}`,
    );

  const existingNamespaces = await namespacesOfEarlierPhases(phaseOutputs, "steady-state");

  const releases = controllerReleases(config.steadyState);
  const controllers = new PlatformControllers("controllers", { releases, existingNamespaces });
  const eso = controllers.releases["external-secrets"];
  const stores = new VaultSecretStores("secret-stores", {
    stores: layout.stores.map((s) => s.resource),
    dependsOn: [eso],
  });
  new VaultIssuers("vault-issuers", {
    issuers: layout.issuers,
    namespace: config.steadyState.certManager.namespace,
    certManagerServiceAccount: CERT_MANAGER_SERVICE_ACCOUNT,
    requesters: [CERT_MANAGER_SERVICE_ACCOUNT, CSI_DRIVER_SERVICE_ACCOUNT],
    dependsOn: [controllers.releases["cert-manager"], controllers.releases["approver-policy"]],
  });
  const byTeam = groupBy(
    layout.deliveries.filter((d) => d.resources.length > 0),
    (d) => d.purpose.owner,
  );
  const generator = layout.passwordGenerator && customResource(layout.passwordGenerator, { dependsOn: [eso] });
  for (const [team, deliveries] of byTeam)
    new TeamDeliveries(`deliveries-${team}`, {
      deliveries,
      dependsOn: [eso, controllers.releases["cert-manager"]],
      stores: stores.byName,
      ...(generator ? { generator } : {}),
    });
  customResource(layout.trustBundle, { dependsOn: [controllers.releases["trust-manager"]] });

  return {
    controllers: Object.fromEntries(
      releases.map((r) => [
        r.id,
        { release: r.release, chart: r.chart, repository: r.repository, version: r.version, namespace: r.namespace },
      ]),
    ),
    secretStores: Object.fromEntries(
      layout.stores.map((s) => [
        s.name,
        { namespace: s.consumer.namespace, serviceAccount: s.consumer.serviceAccount, vaultRole: s.role },
      ]),
    ),
    clusterIssuers: Object.fromEntries(
      layout.issuers.map((i) => [
        i.purpose,
        { name: i.resource.metadata.name, vaultRole: i.role, serviceAccount: i.serviceAccount, signPath: i.signPath },
      ]),
    ),
    trustBundle: {
      name: TRUST_BUNDLE.name,
      configMap: TRUST_BUNDLE.name,
      key: TRUST_BUNDLE.key,
      namespaces: layout.consumerNamespaces,
    },
    deliveries: Object.fromEntries(layout.deliveries.map((d) => [d.purpose.id, d.record])),
    posture: postureSchedule(registry, signed[VAULT_PKI_INTERMEDIATE]?.notAfter),
  };
};

/**
 * The posture fields known at deploy time, for other stacks and dashboards (metadata only, and stable from run to
 * run: no "now"): each purpose's rotation contract and evidence, and for certificates the issuer's expiry and the
 * moment from which the issuer can no longer cover a rotation period and its grace (fail-closed, posture/model.ts).
 * Live status comes from `npm run posture -- --live`.
 */
function postureSchedule(registry: Registry, issuerNotAfter: string | undefined): Record<string, PostureSchedule> {
  return Object.fromEntries(
    registry.purposes.map((p) => {
      const issuer =
        p.kind === "certificate" && issuerNotAfter
          ? {
              issuerExpiresAt: issuerNotAfter,
              failClosedFrom: new Date(
                Date.parse(issuerNotAfter) - issuerCoverageSeconds(p.rotation) * 1000,
              ).toISOString(),
            }
          : {};
      return [p.id, { ...postureContract(p), ...issuer }];
    }),
  );
}

/**
 * Whether Vault, as the runtime-authority stack configured it, serves everything this registry delivers: the stack
 * is `configured`, every KV secret, transit key, PKI role and Vault identity the layout uses exists there, and no
 * certificate asks for a longer lifetime than its PKI role's max_ttl (Vault would cap it, and cert-manager would
 * renew it over and over: cert-manager #1038). A registry changed since that stack last ran fails here, naming
 * each difference.
 */
export function runtimeAuthorityProblems(
  ra: RuntimeAuthorityView,
  layout: SteadyStateLayout,
  certManagerNamespace: string,
): string[] {
  if (ra.status !== "configured")
    return [
      `its status is ${ra.status ?? "missing"}, not configured: finish phase 3 first (docs/phases/3-runtime-authority.md)`,
    ];
  const out: string[] = [];
  if (!ra.vault?.address) out.push("it publishes no vault.address");
  for (const d of layout.deliveries) {
    const p = d.purpose;
    if (d.record.vaultPath && ra.kvSecrets?.[p.id]?.path !== d.record.vaultPath)
      out.push(`${p.id}: no KV secret at ${d.record.vaultPath} in its kvSecrets`);
    if (p.delivery === "transit" && !ra.transitKeys?.[p.id]) out.push(`${p.id}: no transit key in its transitKeys`);
  }
  // One issuer per certificate purpose, in the registry's order; looked up, not searched, at thousands of purposes.
  const durationOf = new Map(layout.deliveries.map((d) => [d.purpose.id, d.record.certificate?.durationSeconds]));
  for (const issuer of layout.issuers) {
    const id = issuer.purpose;
    const role = ra.pkiRoles?.[id];
    const duration = durationOf.get(id) ?? 0;
    if (!role?.created) out.push(`${id}: no PKI role in its pkiRoles`);
    else if (duration > role.maxTtlSeconds)
      out.push(
        `${id}: certificates of ${duration}s exceed the PKI role's max_ttl of ${role.maxTtlSeconds}s: Vault would cap them and cert-manager renew them in a loop`,
      );
    const identity = ra.issuerRoles?.[issuer.role];
    if (
      !identity ||
      identity.serviceAccount !== issuer.serviceAccount ||
      identity.namespace !== certManagerNamespace ||
      identity.signPaths[id] !== issuer.signPath
    )
      out.push(
        `${id}: its issuer identity ${issuer.role} (service account ${certManagerNamespace}/${issuer.serviceAccount}) is not in its issuerRoles`,
      );
  }
  for (const store of layout.stores)
    if (!ra.authRoles?.[store.role]) out.push(`store ${store.name}: Vault role ${store.role} is not in its authRoles`);
  return out;
}
