/**
 * The script the handover Job runs, in the official Vault image (POSIX sh and the vault CLI). It reads the bootstrap
 * Secret from a volume, so the value never passes through Kubernetes API calls of ours, Pulumi or a log. It is
 * idempotent: if Vault already holds a version, it writes nothing. Its Vault policy grants `create` but not `update`,
 * and the write uses cas=0, so even a changed script could not overwrite a handed-over value.
 *
 * Inputs (environment): VAULT_ADDR, VAULT_CACERT, AUTH_PATH, ROLE, KV_MOUNT, KV_PATH, SECRET (for the log line),
 * TOKEN_FILE (projected service account token), VALUE_DIR (the mounted Secret).
 */
export const HANDOVER_SCRIPT = `set -eu
token_file="\${TOKEN_FILE:-/var/run/secrets/vault/token}"
value_dir="\${VALUE_DIR:-/handover/value}"
# Log in as this Job's service account; the Vault token lives only in this shell and is never printed.
VAULT_TOKEN="$(vault write -field=token "auth/\${AUTH_PATH}/login" role="\${ROLE}" jwt=@"\${token_file}")"
export VAULT_TOKEN
# Already handed over: the value in Vault is the authority now, and this run writes nothing.
if current="$(vault kv metadata get -mount="\${KV_MOUNT}" -field=current_version "\${KV_PATH}" 2>/dev/null)" && [ "\${current}" -ge 1 ]; then
  echo "handover: \${KV_MOUNT}/\${KV_PATH} already holds version \${current}; nothing written"
  exit 0
fi
set --
for file in "\${value_dir}"/*; do
  [ -f "\${file}" ] || continue
  set -- "$@" "$(basename "\${file}")=@\${file}"
done
if [ "$#" -eq 0 ]; then
  echo "handover: Secret \${SECRET} has no keys; nothing written" >&2
  exit 1
fi
# cas=0: Vault accepts the write only if the secret does not exist yet.
vault kv put -mount="\${KV_MOUNT}" -cas=0 "\${KV_PATH}" "$@" >/dev/null
echo "handover: \${KV_MOUNT}/\${KV_PATH} created from Secret \${SECRET} ($# keys)"
`;
