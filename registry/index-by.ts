import type { Registry } from "./load.js";
import type { RegisteredPurpose } from "./purpose.js";

/**
 * A value derived once per registry and reused: policies, the access matrix and posture look purposes up for every
 * resource of a plan, and at thousands of purposes a linear search per resource dominates their cost.
 */
export function perRegistry<T>(derive: (registry: Registry) => T): (registry: Registry) => T {
  const cache = new WeakMap<Registry, T>();
  return (registry) => {
    let value = cache.get(registry);
    if (value === undefined) cache.set(registry, (value = derive(registry)));
    return value;
  };
}

const byId = perRegistry((r) => new Map(r.purposes.map((p) => [p.id, p])));

/** The purpose with this id, if the registry has one. */
export function purposeWithId(registry: Registry, id: string): RegisteredPurpose | undefined {
  return byId(registry).get(id);
}

/** Items grouped by a key, groups and items in their first order (Map.groupBy, which Node 20 lacks). */
export function groupBy<T>(items: Iterable<T>, key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const group = groups.get(k);
    if (group) group.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
