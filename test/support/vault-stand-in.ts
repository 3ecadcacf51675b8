import { startStandIn, type RecordedAnswers, type StandIn, type StandInTls } from "./stand-in-server.js";

/** What Vault answers, with status 404, for a path with nothing behind it. */
export const VAULT_NOT_FOUND = { errors: [] };

/** Vault's response envelope around `data`, as every read of its HTTP API returns it. */
export const vaultResponse = (data: object, mountType: string) => ({
  request_id: "0b6a9a8e-3c1f-4c55-9a55-1f0d6c2e7a10",
  lease_id: "",
  renewable: false,
  lease_duration: 0,
  data,
  wrap_info: null,
  warnings: null,
  auth: null,
  mount_type: mountType,
});

/**
 * A stand-in for Vault's HTTP API: recorded answers by path (`/v1/...`), `{"errors":[]}` with 404 for any other, as
 * Vault gives it; https when given a key and certificate.
 */
export function startVaultStandIn(answers: RecordedAnswers, tls?: StandInTls): Promise<StandIn> {
  return startStandIn(answers, VAULT_NOT_FOUND, tls);
}
