import assert from "node:assert/strict";
import { describe, it } from "vitest";
import { steadyStateLayout } from "../delivery/layout.js";
import { MECHANISMS } from "../delivery/mechanisms/index.js";
import type { CustomResourceSpec, DeliveryRecord } from "../delivery/types.js";
import { certificateTiming, refreshIntervalSeconds } from "../delivery/timing.js";
import { CRD_PACKAGES, FIELDS_NEWER_THAN_MODELS } from "../plan/engine/models/crd-schemas.js";
import { modelFor } from "../plan/engine/models/index.js";
import { runtimeAuthorityProblems } from "../phases/steady-state.js";
import { x509 } from "../pki/x509.js";
import { parseDuration } from "../registry/duration.js";
import { validateRegistry } from "../registry/index.js";
import { LABEL } from "../registry/labels.js";
import { schemaProblems, typeProblems, type CustomResourceObject } from "./support/crd-models.js";
import { demoPlan, inputs, outputsOf, runOf } from "./support/demo-plan.js";
import { EsoSimulation, KvV2, renderTemplate } from "./support/eso-vault.js";
import { purpose, registryFile } from "./support/registry-factory.js";

const steady = runOf("steady-state");
const { registry } = demoPlan();
const outputs = outputsOf(steady);
const raOutputs = outputsOf(runOf("runtime-authority"));
const rootPem = outputsOf(runOf("root-trust")).rootCertificatePem as string;
const raManaged = runOf("runtime-authority").resources.filter((r) => !r.read);
/** Every ACL document as the runtime-authority stack wrote it to Vault, by policy name. */
const policyDocuments = Object.fromEntries(
  raManaged
    .filter((r) => r.type === "vault:index/policy:Policy")
    .map((r) => [inputs(r).name, JSON.parse(inputs(r).policy)]),
);
/** A KV secret's custom_metadata as the runtime-authority stack wrote it through the metadata endpoint. */
const customMetadataOf = (p: { owner: string; id: string }) =>
  JSON.parse(
    inputs(
      raManaged.find(
        (r) => r.type === "vault:generic/endpoint:Endpoint" && inputs(r).path === `kv/metadata/${p.owner}/${p.id}`,
      )!,
    ).dataJson,
  ).custom_metadata as Record<string, string>;
const customResources = steady.resources.filter(
  (r) => r.custom && !r.read && CRD_PACKAGES[r.type.slice("kubernetes:".length).split("/")[0]!],
);
const ofKind = (kind: string) => customResources.filter((r) => inputs(r).kind === kind).map(inputs);
const forPurpose = (id: string) => customResources.map(inputs).filter((o) => o.metadata.labels?.[LABEL.purpose] === id);
const seconds = (text: string) => parseDuration(text)!;

describe("phase 4 in the demo plan", () => {
  it("runs once the ceremony is done, against a configured runtime authority", () => {
    assert.equal(steady.runs, 1);
    assert.equal(raOutputs.status, "configured");
  });

  it("validates every custom resource against the upstream CRD schemas and TypeScript models", async () => {
    const objects = customResources.map((r) => inputs(r) as CustomResourceObject);
    const kinds = new Set(objects.map((o) => `${o.apiVersion} ${o.kind}`));
    for (const k of [
      "external-secrets.io/v1 ClusterSecretStore",
      "external-secrets.io/v1 ExternalSecret",
      "external-secrets.io/v1alpha1 PushSecret",
      "generators.external-secrets.io/v1alpha1 ClusterGenerator",
      "cert-manager.io/v1 ClusterIssuer",
      "cert-manager.io/v1 Certificate",
      "policy.cert-manager.io/v1alpha1 CertificateRequestPolicy",
      "trust.cert-manager.io/v1alpha1 Bundle",
    ])
      assert.ok(kinds.has(k), `the plan has a ${k}`);
    assert.deepEqual(await schemaProblems(objects), []);
    assert.deepEqual(typeProblems(objects), []);
  });

  it("pins charts whose CRDs know every field the plan sets (fields newer than the model packages included)", () => {
    const releases = steady.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release").map(inputs);
    const semver = (v: string) => v.replace(/^v/, "").split(".").map(Number);
    const atLeast = (v: string, min: string) =>
      semver(v).reduce((cmp, n, i) => cmp || Math.sign(n - semver(min)[i]!), 0) >= 0;
    for (const f of FIELDS_NEWER_THAN_MODELS) {
      const release = releases.find((r) => r.chart === f.chart)!;
      assert.ok(
        atLeast(release.version, f.since),
        `${f.chart} ${release.version} predates ${f.path.join(".")} (${f.since})`,
      );
    }
    assert.ok(!atLeast("0.19.2", "0.20.1") && atLeast("0.20.1", "0.20.1") && atLeast("2.9.0", "0.20.1"));
  });

  it("installs each controller from its pinned chart, protected and atomic", () => {
    const releases = steady.resources.filter((r) => r.type === "kubernetes:helm.sh/v3:Release");
    assert.deepEqual(releases.map((r) => inputs(r).chart).sort(), [
      "cert-manager",
      "cert-manager-approver-policy",
      "cert-manager-csi-driver",
      "external-secrets",
      "reloader",
      "trust-manager",
    ]);
    for (const r of releases) {
      assert.match(inputs(r).version, /^v?\d+\.\d+\.\d+$/);
      assert.equal(inputs(r).atomic, true);
      assert.equal(r.options.protect, true);
    }
  });

  it("delivers every purpose of the registry by exactly one mechanism, the one its delivery mode names", () => {
    const deliveries = outputs.deliveries as Record<string, DeliveryRecord>;
    assert.deepEqual(Object.keys(deliveries).sort(), registry.purposes.map((p) => p.id).sort());
    const kindsFor: Record<string, string[]> = {};
    for (const p of registry.purposes) {
      const record = deliveries[p.id]!;
      assert.equal(record.mechanism, MECHANISMS[p.delivery].id, p.id);
      const objects = forPurpose(p.id);
      kindsFor[p.delivery] = [...new Set([...(kindsFor[p.delivery] ?? []), ...objects.map((o) => o.kind)])].sort();
      const namespaces = [...new Set(p.consumers.map((c) => c.namespace))].sort();
      const externalSecrets = objects.filter(
        (o) => o.kind === "ExternalSecret" && !o.metadata.name.endsWith("-generator"),
      );
      switch (p.delivery) {
        case "external-secret":
        case "reveal-once":
          assert.deepEqual(
            externalSecrets.map((o) => o.metadata.namespace).sort(),
            namespaces,
            `${p.id}: one ExternalSecret per consumer namespace`,
          );
          break;
        case "push-secret":
          assert.deepEqual(
            externalSecrets.map((o) => o.metadata.namespace).sort(),
            namespaces,
            `${p.id}: read back in every consumer namespace`,
          );
          assert.deepEqual(
            objects
              .filter((o) => o.kind !== "ExternalSecret" || o.metadata.name.endsWith("-generator"))
              .map((o) => [o.kind, o.metadata.namespace]),
            [
              ["ExternalSecret", p.push.writer.namespace],
              ["PushSecret", p.push.writer.namespace],
            ],
          );
          break;
        case "bootstrap":
          assert.deepEqual(
            externalSecrets.map((o) => [o.metadata.namespace, o.spec.target.name]),
            [[p.bootstrap.namespace, p.bootstrap.secretName]],
          );
          break;
        case "cert-manager":
          assert.equal(objects.filter((o) => o.kind === "Certificate").length, 1);
          assert.ok(ofKind("ClusterIssuer").some((i) => i.metadata.name === record.certificate!.issuer));
          break;
        case "csi":
          assert.ok(record.csiVolume, `${p.id}: the volume its pods declare`);
          assert.ok(ofKind("ClusterIssuer").some((i) => i.metadata.name === record.certificate!.issuer));
          break;
        case "transit":
          assert.deepEqual(
            record.transit!.vaultRoles.filter((role) => !raOutputs.authRoles[role]),
            [],
            `${p.id}: every consumer has a Vault role`,
          );
          break;
      }
    }
    // Each delivery mode produces its own kinds of object, and no other.
    assert.deepEqual(kindsFor, {
      "external-secret": ["ExternalSecret"],
      "reveal-once": ["ExternalSecret"],
      "push-secret": ["ExternalSecret", "PushSecret"],
      bootstrap: ["ExternalSecret"],
      "cert-manager": ["Certificate", "CertificateRequestPolicy", "ClusterIssuer"],
      csi: ["CertificateRequestPolicy", "ClusterIssuer"],
      transit: [],
    });
    // ...and nothing the plan registers delivers a purpose the registry does not have.
    const ids = new Set(registry.purposes.map((p) => p.id));
    for (const o of customResources.map(inputs))
      if (o.metadata.labels?.[LABEL.purpose]) assert.ok(ids.has(o.metadata.labels[LABEL.purpose]), o.metadata.name);
  });

  it("materializes KV purposes with purpose, owner and authority labels, refreshed within a quarter of the grace window", () => {
    for (const p of registry.purposes.filter((x) => x.delivery === "external-secret")) {
      for (const es of forPurpose(p.id)) {
        const labels = es.spec.target.template.metadata.labels;
        assert.equal(labels[LABEL.purpose], p.id);
        assert.equal(labels[LABEL.owner], p.owner);
        assert.equal(labels[LABEL.authority], "vault");
        assert.equal(es.spec.target.creationPolicy, "Owner");
        assert.equal(es.spec.refreshPolicy, "Periodic");
        const refresh = seconds(es.spec.refreshInterval);
        assert.ok(
          refresh * 4 <= parseDuration(p.rotation.grace)! && refresh <= 3600 && refresh >= 60,
          `${p.id}: ${es.spec.refreshInterval}`,
        );
        assert.deepEqual(es.spec.dataFrom, [{ extract: { key: `${p.owner}/${p.id}` } }]);
        assert.equal(raOutputs.kvSecrets[p.id].path, `kv/data/${p.owner}/${p.id}`, "the path phase 3 configured");
      }
    }
  });

  it("reads Vault through one store per consumer identity, usable only from that consumer's namespace", () => {
    for (const store of ofKind("ClusterSecretStore")) {
      const vault = store.spec.provider.vault;
      const sa = vault.auth.kubernetes.serviceAccountRef;
      assert.equal(store.metadata.name, `vault.${sa.namespace}.${sa.name}`);
      assert.deepEqual(store.spec.conditions, [{ namespaces: [sa.namespace] }]);
      assert.equal(vault.auth.kubernetes.role, `consumer.${sa.namespace}.${sa.name}`);
      assert.ok(raOutputs.authRoles[vault.auth.kubernetes.role], "the role exists in Vault");
      assert.deepEqual(sa.audiences, ["vault"]);
      assert.equal(vault.server, raOutputs.vault.address);
      assert.equal(
        Buffer.from(vault.caBundle, "base64").toString(),
        rootPem,
        "Vault's TLS is verified against the phase-0 root",
      );
    }
    // Every ExternalSecret and PushSecret uses a store its namespace may use, as a consumer that may read the purpose.
    for (const o of [...ofKind("ExternalSecret"), ...ofKind("PushSecret")]) {
      const refs = o.kind === "PushSecret" ? o.spec.secretStoreRefs : [o.spec.secretStoreRef];
      for (const ref of refs) {
        const store = ofKind("ClusterSecretStore").find((s) => s.metadata.name === ref.name);
        assert.ok(store, `${o.metadata.name}: store ${ref.name} exists`);
        assert.deepEqual(store.spec.conditions[0].namespaces, [o.metadata.namespace]);
        const policy = policyDocuments[store.spec.provider.vault.auth.kubernetes.role].path;
        const purposeId = o.metadata.labels[LABEL.purpose];
        const p = registry.purposes.find((x) => x.id === purposeId)!;
        assert.ok(
          policy[`kv/data/${p.owner}/${p.id}`]?.capabilities.includes("read"),
          `${o.metadata.name}: the store's identity may read ${p.id}`,
        );
      }
    }
  });
});

describe("reveal-once delivery", () => {
  const purposes = registry.purposes.filter((p) => p.delivery === "reveal-once");

  it("fetches once into an immutable Secret that outlives its ExternalSecret, and never refreshes it", () => {
    assert.ok(purposes.length >= 2);
    for (const p of purposes) {
      const es = forPurpose(p.id)[0]!;
      assert.equal(es.spec.refreshPolicy, "CreatedOnce");
      assert.equal(es.spec.refreshInterval, "0s");
      assert.equal(es.spec.target.immutable, true);
      assert.equal(es.spec.target.creationPolicy, "Orphan");
      assert.equal(es.spec.target.deletionPolicy, "Retain");
      assert.equal(es.spec.target.template.metadata.annotations["secrets-platform/reveal"], "once");
      assert.equal(
        es.spec.target.template.metadata.annotations["reloader.stakater.com/match"],
        undefined,
        "nothing rolls on it",
      );
      assert.equal(es.spec.target.template.data, undefined, "no value is templated in");
    }
  });

  it("publishes metadata only: no value, no refresh, nothing to re-display", () => {
    for (const p of purposes) {
      const record = outputs.deliveries[p.id] as DeliveryRecord;
      assert.deepEqual(Object.keys(record).sort(), [
        "mechanism",
        "namespaces",
        "refreshPolicy",
        "secretName",
        "vaultPath",
      ]);
      assert.equal(record.refreshPolicy, "CreatedOnce");
    }
    // Pulumi never holds a KV value: no Secret data appears anywhere in the steady-state stack.
    assert.deepEqual(
      steady.resources.filter((r) => inputs(r).kind === "Secret"),
      [],
    );
  });
});

describe("push-secret delivery", () => {
  const purposes = registry.purposes.filter((p) => p.delivery === "push-secret");
  const [passwordGenerator, ...moreGenerators] = ofKind("ClusterGenerator") as [
    Record<string, any>,
    ...Record<string, any>[],
  ];

  it("draws every purpose's values from one cluster-wide Password generator that holds no value", () => {
    assert.ok(passwordGenerator);
    assert.deepEqual(moreGenerators, []);
    assert.equal(passwordGenerator.spec.kind, "Password");
    assert.equal(passwordGenerator.metadata.namespace, undefined, "cluster-scoped");
    assert.equal(passwordGenerator.metadata.labels[LABEL.purpose], undefined, "it belongs to no purpose");
    assert.ok(passwordGenerator.spec.generator.passwordSpec.length >= 32);
    assert.deepEqual(ofKind("Password"), [], "no generator per purpose");
    const generatorResource = steady.resources.find((r) => inputs(r).kind === "ClusterGenerator")!;
    for (const p of purposes) {
      const es = steady.resources.find(
        (r) => inputs(r).kind === "ExternalSecret" && inputs(r).metadata.name === `${p.id}-generator`,
      )!;
      assert.ok(
        es.options.dependsOn.includes(generatorResource.urn),
        `${p.id}: its generator ExternalSecret waits for the generator`,
      );
    }
  });

  it("generates in the writer's namespace and pushes as the writer, the only identity Vault lets write", () => {
    for (const p of purposes) {
      const push = forPurpose(p.id).find((o) => o.kind === "PushSecret")!;
      const store = ofKind("ClusterSecretStore").find((s) => s.metadata.name === push.spec.secretStoreRefs[0].name)!;
      const sa = store.spec.provider.vault.auth.kubernetes.serviceAccountRef;
      assert.deepEqual([sa.namespace, sa.name], [p.push.writer.namespace, p.push.writer.serviceAccount]);
      const policy = policyDocuments[`consumer.${sa.namespace}.${sa.name}`].path;
      assert.deepEqual(policy[`kv/data/${p.owner}/${p.id}`].capabilities, ["create", "read", "update"]);
      assert.deepEqual(policy[`kv/metadata/${p.owner}/${p.id}`].capabilities, ["create", "read", "update"]);
      assert.equal(customMetadataOf(p)["managed-by"], "external-secrets", "ESO pushes only into secrets it manages");
      assert.equal(push.spec.updatePolicy, "Replace", "IfNotExists would never rotate a generated value");
      assert.equal(push.spec.deletionPolicy, "None", "removing the PushSecret never deletes what consumers read");
    }
  });

  it("rotates without Git once per period: the generator's value is next, Vault's next becomes current, its current previous", () => {
    for (const p of purposes) {
      const generator = forPurpose(p.id).find(
        (o) => o.kind === "ExternalSecret" && o.metadata.name.endsWith("-generator"),
      )!;
      assert.equal(seconds(generator.spec.refreshInterval), parseDuration(p.rotation.period));
      const generatorRef = generator.spec.dataFrom[0].sourceRef.generatorRef;
      assert.deepEqual([generatorRef.kind, generatorRef.name], ["ClusterGenerator", passwordGenerator.metadata.name]);
      assert.equal(
        generator.spec.target.deletionPolicy,
        "Merge",
        "a first run without a value in Vault skips the missing keys instead of failing",
      );
      const template = (data: Record<string, string>) =>
        Object.fromEntries(
          Object.entries(generator.spec.target.template.data as Record<string, string>).map(([k, t]) => [
            k,
            renderTemplate(t, data),
          ]),
        );
      assert.deepEqual(template({ password: "n0" }), { next: "n0", current: "n0", previous: "n0" }, "first run");
      assert.deepEqual(template({ password: "n2", vaultNext: "n1", vaultCurrent: "n0" }), {
        next: "n2",
        current: "n1",
        previous: "n0",
      });
      assert.deepEqual((outputs.deliveries[p.id] as DeliveryRecord).keys, {
        use: "current",
        accept: ["next", "current", "previous"],
      });
    }
  });

  /** Runs a push-secret purpose's planned objects for `periods` rotation periods; returns what happened. */
  function simulate(
    p: (typeof purposes)[number],
    periods: number,
    edit: (objects: CustomResourceSpec[]) => void = () => {},
  ) {
    const objects = structuredClone(forPurpose(p.id)) as CustomResourceSpec[];
    const stores = new Map(
      (structuredClone(ofKind("ClusterSecretStore")) as CustomResourceSpec[]).map((s) => [s.metadata.name, s]),
    );
    edit([...objects, ...stores.values()]);
    const vault = new KvV2(policyDocuments);
    vault.seedMetadata(`${p.owner}/${p.id}`, customMetadataOf(p));
    const generators = new Map(
      (structuredClone(ofKind("ClusterGenerator")) as CustomResourceSpec[]).map((o) => [o.metadata.name, o]),
    );
    const sim = new EsoSimulation(vault, stores, generators);
    const readers = objects.filter((o) => o.kind === "ExternalSecret" && !o.metadata.name.endsWith("-generator"));
    for (const o of objects) {
      const interval = parseDuration(String(o.spec.refreshInterval))!;
      // Objects are created one after the other, and readers in different namespaces refresh out of step.
      sim.add(
        o,
        o.kind === "ExternalSecret" && !readers.includes(o)
          ? 0
          : o.kind === "PushSecret"
            ? 30
            : ((readers.indexOf(o) + 1) * interval * 0.37) % interval,
      );
    }
    const period = parseDuration(p.rotation.period)!;
    const outages: string[] = [];
    // ...until the last rotation has been pushed (PushSecrets sync at least hourly).
    for (let t = 0; t <= periods * period + 3600; t += 300) {
      sim.advanceTo(t);
      const held = readers
        .map((r) => sim.secrets.get(`${r.metadata.namespace}/${(r.spec.target as { name: string }).name}`))
        .filter((x) => x !== undefined);
      for (const a of held)
        for (const b of held)
          if (a.current !== undefined && ![b.next, b.current, b.previous].includes(a.current)) outages.push(`t=${t}s`);
    }
    return {
      versions: vault.secrets.get(`${p.owner}/${p.id}`)!.versions.length,
      writes: vault.writes,
      pushSyncs: sim.pushSyncs,
      readers: readers.length,
      outages,
    };
  }

  it("writes one CAS-checked KV version per rotation however often ESO refreshes, as the writer, with no outage between consumers", () => {
    for (const p of purposes) {
      const run = simulate(p, 4);
      assert.equal(run.versions, 5, `${p.id}: the first value and four rotations, nothing else`);
      assert.ok(
        run.pushSyncs > 20 * run.versions,
        `${p.id}: ${run.pushSyncs} PushSecret syncs wrote ${run.versions} versions`,
      );
      assert.deepEqual(
        [...new Set(run.writes.map((w) => w.as))],
        [`consumer.${p.push.writer.namespace}.${p.push.writer.serviceAccount}`],
      );
      assert.deepEqual(
        run.writes.map((w) => w.cas),
        [0, 1, 2, 3, 4],
        "each write names the version it replaces",
      );
      assert.deepEqual(run.outages, [], `${p.id}: a consumer used a value another one did not accept`);
    }
  });

  it("would fail without check-and-set, and would drop values in flight with only two slots", () => {
    const p = purposes.find((x) => new Set(x.consumers.map((c) => c.namespace)).size > 1)!;
    assert.throws(
      () =>
        simulate(p, 1, (objects) =>
          objects.forEach((o) => o.kind === "ClusterSecretStore" && delete (o.spec.provider as any).vault.checkAndSet),
        ),
      /check-and-set parameter required/,
    );
    const twoSlots = simulate(p, 2, (objects) => {
      const generator = objects.find((o) => o.metadata.name.endsWith("-generator"))!;
      (generator.spec.target as any).template.data = {
        current: "{{ .password }}",
        previous: '{{ index . "vaultCurrent" | default .password }}',
      };
    });
    assert.ok(
      twoSlots.outages.length > 0,
      "with current/previous only, a consumer that refreshed first signs with a value the other does not know yet",
    );
  });
});

describe("certificates", () => {
  const certPurposes = registry.purposes.filter((p) => p.kind === "certificate");

  it("issue through one ClusterIssuer per PKI role: its sign endpoint, as its owning team's Vault identity", () => {
    assert.deepEqual(
      ofKind("ClusterIssuer")
        .map((i) => i.metadata.name)
        .sort(),
      certPurposes.map((p) => `vault-${p.id}`).sort(),
    );
    for (const p of certPurposes) {
      const issuer = ofKind("ClusterIssuer").find((i) => i.metadata.name === `vault-${p.id}`)!;
      assert.equal(issuer.spec.vault.path, raOutputs.pkiRoles[p.id].signPath);
      assert.match(issuer.spec.vault.path, /^pki_int\/sign\//);
      const role = issuer.spec.vault.auth.kubernetes.role;
      assert.equal(role, `issuer.${p.owner}`);
      const identity = raOutputs.issuerRoles[role];
      assert.equal(issuer.spec.vault.auth.kubernetes.serviceAccountRef.name, identity.serviceAccount);
      assert.equal(identity.signPaths[p.id], issuer.spec.vault.path);
      // The team's identity signs for exactly the team's certificate purposes, each through its own role.
      const team = certPurposes.filter((q) => q.owner === p.owner);
      assert.deepEqual(Object.keys(identity.signPaths).sort(), team.map((q) => q.id).sort());
      assert.deepEqual(
        policyDocuments[role].path,
        Object.fromEntries(team.map((q) => [identity.signPaths[q.id], { capabilities: ["update"] }])),
      );
      assert.equal(Buffer.from(issuer.spec.vault.caBundle, "base64").toString(), rootPem);
    }
    const role = steady.resources.find((r) => r.type === "kubernetes:rbac.authorization.k8s.io/v1:Role")!;
    assert.deepEqual(inputs(role).rules, [
      {
        apiGroups: [""],
        resources: ["serviceaccounts/token"],
        resourceNames: [...new Set(certPurposes.map((p) => `vault-issuer-${p.owner}`))],
        verbs: ["create"],
      },
    ]);
    for (const i of steady.resources.filter((r) => r.type === "kubernetes:cert-manager.io/v1:ClusterIssuer"))
      assert.equal(i.options.protect, true);
  });

  it("are approved only from the purpose's namespaces and only for its contract (cert-manager's own approver is off)", () => {
    const certManager = steady.resources.map(inputs).find((r) => r.chart === "cert-manager")!;
    assert.equal(
      certManager.values.disableAutoApproval,
      true,
      "otherwise any namespace could name any ClusterIssuer and be signed",
    );
    const policies = ofKind("CertificateRequestPolicy");
    const seconds = (t: string) => parseDuration(t)!;
    for (const p of certPurposes) {
      const policy = policies.find((x) => x.spec.selector.issuerRef.name === `vault-${p.id}`)!;
      assert.deepEqual(
        policy.spec.selector.namespace.matchNames,
        [...new Set(p.consumers.map((c) => c.namespace))].sort(),
      );
      const record = outputs.deliveries[p.id] as DeliveryRecord;
      // What the purpose's own requests ask for, from its Certificate or csi volume.
      const request =
        p.delivery === "cert-manager"
          ? (({ spec }) => ({
              namespace: p.consumers[0]!.namespace,
              dnsNames: spec.dnsNames,
              commonName: spec.commonName,
              usages: spec.usages,
              duration: seconds(spec.duration),
              algorithm: spec.privateKey.algorithm,
              size: spec.privateKey.size,
            }))(forPurpose(p.id).find((o) => o.kind === "Certificate")!)
          : (({ volumeAttributes: a }) => ({
              namespace: p.consumers[0]!.namespace,
              dnsNames: a["csi.cert-manager.io/dns-names"]!.split(","),
              commonName: a["csi.cert-manager.io/common-name"],
              usages: a["csi.cert-manager.io/key-usages"]!.split(","),
              duration: seconds(a["csi.cert-manager.io/duration"]!),
              algorithm: a["csi.cert-manager.io/key-algorithm"],
              size:
                a["csi.cert-manager.io/key-size"] === undefined ? undefined : Number(a["csi.cert-manager.io/key-size"]),
            }))(record.csiVolume!);
      const approves = (r: typeof request) =>
        policy.spec.selector.namespace.matchNames.includes(r.namespace) &&
        r.dnsNames.every((n: string) => policy.spec.allowed.dnsNames.values.includes(n)) &&
        (r.commonName === undefined
          ? !policy.spec.allowed.commonName?.required
          : r.commonName === policy.spec.allowed.commonName?.value) &&
        r.usages.every((u: string) => policy.spec.allowed.usages.includes(u)) &&
        r.duration <= seconds(policy.spec.constraints.maxDuration) &&
        r.algorithm === policy.spec.constraints.privateKey.algorithm &&
        (r.size === undefined ||
          (r.size >= policy.spec.constraints.privateKey.minSize &&
            r.size <= policy.spec.constraints.privateKey.maxSize));
      assert.ok(approves(request), `${p.id}: its own request is approved`);
      assert.ok(
        !approves({ ...request, namespace: "intruder" }),
        `${p.id}: the same request from another namespace is not`,
      );
      assert.ok(
        !approves({ ...request, dnsNames: [...request.dnsNames, "other.example.com"] }),
        `${p.id}: nor one for another name`,
      );
      assert.ok(!approves({ ...request, duration: request.duration * 2 }), `${p.id}: nor a longer lifetime`);
    }
    const use = steady.resources.map(inputs).find((r) => r.kind === "ClusterRole")!;
    assert.deepEqual([...use.rules[0].resourceNames].sort(), policies.map((x) => x.metadata.name).sort());
    assert.deepEqual(use.rules[0].verbs, ["use"]);
    const binding = steady.resources.map(inputs).find((r) => r.kind === "ClusterRoleBinding")!;
    assert.deepEqual(
      binding.subjects.map((s: { name: string }) => s.name),
      ["cert-manager", "cert-manager-csi-driver"],
    );
  });

  it("never outlive their PKI role's max_ttl, renew by percentage, and get a new key each time", () => {
    for (const p of certPurposes) {
      const record = outputs.deliveries[p.id] as DeliveryRecord;
      assert.ok(
        record.certificate!.durationSeconds <= raOutputs.pkiRoles[p.id].maxTtlSeconds,
        `${p.id}: Vault would cap it and cert-manager loop`,
      );
      if (p.delivery !== "cert-manager") continue;
      const cert = forPurpose(p.id).find((o) => o.kind === "Certificate")!;
      assert.equal(seconds(cert.spec.duration), parseDuration(p.rotation.period));
      assert.equal(cert.spec.renewBefore, undefined, "a fixed renewBefore loops when Vault caps the lifetime");
      assert.ok(cert.spec.renewBeforePercentage >= 10 && cert.spec.renewBeforePercentage <= 50);
      assert.equal(cert.spec.privateKey.rotationPolicy, "Always");
      assert.equal(cert.spec.privateKey.algorithm, p.certificate.keyAlgorithm);
      assert.deepEqual(cert.spec.dnsNames, p.certificate.dnsNames);
      assert.deepEqual(
        [...raOutputs.pkiRoles[p.id].allowedDomains].sort(),
        [...cert.spec.dnsNames].sort(),
        "exactly the names the role allows",
      );
      assert.equal(cert.metadata.namespace, p.consumers[0]!.namespace);
    }
  });

  it("cannot enter a renewal loop even if Vault capped a lifetime, which a fixed renewBefore would", () => {
    // cert-manager renews at notAfter - renewBefore, or at the percentage of the lifetime Vault actually issued.
    const issuances = (
      spec: { duration: string; renewBefore?: string; renewBeforePercentage?: number },
      maxTtl: number,
      horizon: number,
    ) => {
      const lifetime = Math.min(parseDuration(spec.duration)!, maxTtl);
      const renewAfter =
        spec.renewBeforePercentage !== undefined
          ? lifetime * (1 - spec.renewBeforePercentage / 100)
          : lifetime - parseDuration(spec.renewBefore!)!;
      let n = 0;
      for (let t = 0; t < horizon && n < 1000; t += Math.max(renewAfter, 0)) n++;
      return n;
    };
    for (const p of certPurposes.filter((x) => x.delivery === "cert-manager")) {
      const spec = forPurpose(p.id).find((o) => o.kind === "Certificate")!.spec;
      const period = parseDuration(p.rotation.period)!;
      const maxTtl = raOutputs.pkiRoles[p.id].maxTtlSeconds;
      assert.ok(issuances(spec, maxTtl, period) <= 2, `${p.id}: one issuance per lifetime`);
      // Were Vault to cap the lifetime at the renewal lead time (a role changed outside this platform), renewal by
      // percentage still waits a share of what was issued; a fixed renewBefore of that lead renews immediately, forever.
      const pct = spec.renewBeforePercentage / 100;
      const lead = Math.round(period * pct);
      assert.ok(issuances(spec, lead, period) <= Math.ceil(1 / (pct * (1 - pct))), `${p.id}: bounded under a cap`);
      const fixed = { duration: spec.duration, renewBefore: `${lead}s` };
      assert.equal(issuances(fixed, lead, period), 1000, `${p.id}: the same lead time as a fixed renewBefore loops`);
    }
  });

  it("keeps csi keys in memory: a volume through csi-driver, no Certificate and no Secret", () => {
    for (const p of certPurposes.filter((x) => x.delivery === "csi")) {
      const volume = (outputs.deliveries[p.id] as DeliveryRecord).csiVolume!;
      assert.equal(volume.driver, "csi.cert-manager.io");
      assert.equal(volume.volumeAttributes["csi.cert-manager.io/issuer-name"], `vault-${p.id}`);
      assert.equal(volume.volumeAttributes["csi.cert-manager.io/dns-names"], p.certificate.dnsNames.join(","));
      assert.equal(seconds(volume.volumeAttributes["csi.cert-manager.io/duration"]!), parseDuration(p.rotation.period));
      assert.deepEqual(
        forPurpose(p.id)
          .map((o) => o.kind)
          .sort(),
        ["CertificateRequestPolicy", "ClusterIssuer"],
      );
    }
  });

  it("refuses a registry whose certificate outlives the PKI role phase 3 configured, naming each problem", () => {
    const layout = steadyStateLayout(registry, { vaultServer: raOutputs.vault.address, rootCertificatePem: rootPem });
    assert.deepEqual(runtimeAuthorityProblems(raOutputs, layout, "cert-manager"), []);
    const shorter = structuredClone(raOutputs);
    shorter.pkiRoles["payments-api-mtls"].maxTtlSeconds = 7 * 86_400;
    delete shorter.issuerRoles["issuer.identity"].signPaths["identity-workload-mtls"];
    assert.deepEqual(
      runtimeAuthorityProblems(shorter, layout, "cert-manager"),
      [
        "payments-api-mtls: certificates of 2592000s exceed the PKI role's max_ttl of 604800s: Vault would cap them and cert-manager renew them in a loop",
        "identity-workload-mtls: its issuer identity issuer.identity (service account cert-manager/vault-issuer-identity) is not in its issuerRoles",
      ].sort((a, b) => registryOrder(a) - registryOrder(b)),
    );
    assert.deepEqual(
      runtimeAuthorityProblems({ ...raOutputs, status: "awaiting-pki-signature" }, layout, "cert-manager"),
      [
        "its status is awaiting-pki-signature, not configured: finish phase 3 first (docs/phases/3-runtime-authority.md)",
      ],
    );
  });
});

/** Problems come in registry order (purposes sorted by id). */
function registryOrder(line: string): number {
  return registry.purposes.filter((p) => p.kind === "certificate").findIndex((p) => line.startsWith(`${p.id}:`));
}

describe("the trust bundle", () => {
  it("distributes exactly the phase-0 root to every namespace with a consumer", async () => {
    const bundle = ofKind("Bundle")[0]!;
    assert.equal(bundle.spec.sources.length, 1);
    const root = new x509.X509Certificate(bundle.spec.sources[0].inLine);
    assert.equal(bundle.spec.sources[0].inLine, rootPem);
    assert.ok(await root.verify({ signatureOnly: true }), "self-signed");
    assert.equal(root.getExtension(x509.BasicConstraintsExtension)!.ca, true);
    const namespaces = [...new Set(registry.purposes.flatMap((p) => p.consumers.map((c) => c.namespace)))].sort();
    assert.deepEqual(bundle.spec.target.namespaceSelector, {
      matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: namespaces }],
    });
    assert.deepEqual(bundle.spec.target.configMap, { key: "ca.crt" });
    assert.deepEqual(outputs.trustBundle.namespaces, namespaces);
  });
});

describe("timing derived from the rotation contract", () => {
  it("refreshes within a quarter of the grace window, between a minute and an hour", () => {
    assert.equal(refreshIntervalSeconds({ period: "30d", grace: "7d", method: "generated" }), 3600);
    assert.equal(refreshIntervalSeconds({ period: "1h", grace: "20m", method: "generated" }), 300);
    assert.equal(refreshIntervalSeconds({ period: "10m", grace: "2m", method: "generated" }), 60);
  });

  it("renews a certificate at the grace window's share of its lifetime, within 10% and 50%", () => {
    assert.deepEqual(certificateTiming({ period: "30d", grace: "10d", method: "issued" }), {
      durationSeconds: 2_592_000,
      renewBeforePercentage: 33,
      renewBeforeSeconds: 855_360,
    });
    assert.equal(certificateTiming({ period: "90d", grace: "1d", method: "issued" }).renewBeforePercentage, 10);
    assert.equal(certificateTiming({ period: "24h", grace: "20h", method: "issued" }).renewBeforePercentage, 50);
  });
});

describe("the plan engine as the API server", () => {
  it("refuses a custom resource its CRD schema refuses, naming the object", async () => {
    const model = modelFor("kubernetes:external-secrets.io/v1:ExternalSecret")!;
    const invalid: CustomResourceSpec = {
      apiVersion: "external-secrets.io/v1",
      kind: "ExternalSecret",
      metadata: { name: "x" },
      spec: { refreshPolicy: "Sometimes", secretStoreRef: { name: "s" } },
    };
    await assert.rejects(
      async () => model({ ...invalid }, { name: "x", urn: "urn:x", now: new Date() }),
      /ExternalSecret x: the API server would refuse it: .*refreshPolicy/,
    );
  });
});

describe("steady-state registry rules", () => {
  const problems = (...purposes: Record<string, unknown>[]) => {
    const r = validateRegistry([{ file: "purposes/payments.yaml", text: registryFile("payments", purposes) }]);
    return r.ok ? [] : r.problems.map((p) => `${p.field}: ${p.message}`);
  };

  it("keep a cert-manager certificate's key in one namespace", () => {
    const two = [
      { namespace: "payments", serviceAccount: "a" },
      { namespace: "web", serviceAccount: "b" },
    ];
    assert.deepEqual(problems(purpose("cert-manager", { consumers: two })), [
      "consumers: cert-manager certificates live in one namespace's Secret; consumers span payments, web (use csi, or one purpose per namespace)",
    ]);
    assert.deepEqual(problems(purpose("csi", { consumers: two })), []);
  });

  it("keep a refreshed value in Vault until its successor's grace window ends", () => {
    const early =
      "kv.deleteVersionAfter: 7d deletes the value before its successor's grace window ends (period + grace = 7d + 1d)";
    assert.deepEqual(problems(purpose("push-secret", { kv: { deleteVersionAfter: "7d" } })), [early]);
    assert.deepEqual(problems(purpose("external-secret", { kv: { deleteVersionAfter: "30d" } })), [
      early.replace("7d deletes", "30d deletes").replace("7d + 1d", "30d + 7d"),
    ]);
    assert.deepEqual(problems(purpose("push-secret", { kv: { deleteVersionAfter: "8d" } })), []);
    assert.deepEqual(
      problems(purpose("reveal-once", { kv: { deleteVersionAfter: "1d" } })),
      [],
      "delivered once: Vault may forget it",
    );
  });

  it("need a consumer where a handed-over bootstrap Secret lives", () => {
    assert.deepEqual(problems(purpose("bootstrap", { consumers: [{ namespace: "web", serviceAccount: "x" }] })), [
      "consumers: list a consumer in payments: after the handover the Secret there is kept current from Vault as that consumer",
    ]);
  });
});
