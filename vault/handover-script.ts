/** Where the script reads and writes unless told otherwise: the Job mounts its volumes exactly there. */
export const HANDOVER_PATHS = {
  /** The projected service account token (the token volume's mount, then its file). */
  tokenFile: "/var/run/secrets/vault/token",
  /** The mounted bootstrap Secret, one file per key. */
  valueDir: "/handover/value",
  /** Scratch space (a memory emptyDir). */
  tmpDir: "/tmp",
} as const;

/**
 * The script the handover Job runs, in the server's official image (POSIX sh and the server's CLI: `vault`, or `bao`
 * for OpenBao). It reads the bootstrap Secret from a volume, so the value never passes through Kubernetes API calls
 * of ours, Pulumi or a log. It is idempotent: if Vault already holds a version, it writes nothing. Its Vault policy
 * grants `create` but not `update`, and the write uses cas=0, so even a changed script could not overwrite a
 * handed-over value.
 *
 * Inputs (environment): VAULT_ADDR, VAULT_CACERT, AUTH_PATH, ROLE, KV_MOUNT, KV_PATH, SECRET (for the log line),
 * TOKEN_FILE (projected service account token), VALUE_DIR (the mounted Secret), VAULT_CLI (the CLI's name: `vault`
 * unless set; the Job of an OpenBao deployment sets `bao`).
 *
 * HANDOVER_VAULT_TOKEN_FILE is for running the script outside a cluster (the real-tier tests, an operator's manual
 * handover): a file holding a token made with exactly this handover's policy, used instead of the Kubernetes login.
 * It weakens nothing in the cluster: the Job never sets it (its environment is fixed by the program, and a test
 * checks the planned Jobs), the token can do only what its policy grants, which the server enforces, and without it
 * the token is always the login's: an inherited VAULT_TOKEN or BAO_TOKEN is overwritten, never used.
 *
 * Both CLIs read VAULT_ADDR, VAULT_CACERT and VAULT_TOKEN, but `bao` prefers BAO_ADDR, BAO_CACERT and BAO_TOKEN when
 * they are set (an image may set BAO_ADDR): the script sets both names from its inputs, so the CLI talks to exactly
 * the address and with exactly the token the script chose.
 */
export const HANDOVER_SCRIPT = `set -eu
cli="\${VAULT_CLI:-vault}"
token_file="\${TOKEN_FILE:-${HANDOVER_PATHS.tokenFile}}"
value_dir="\${VALUE_DIR:-${HANDOVER_PATHS.valueDir}}"
errors="\${TMPDIR:-${HANDOVER_PATHS.tmpDir}}/handover-errors"
if [ -n "\${VAULT_ADDR:-}" ]; then export BAO_ADDR="\${VAULT_ADDR}"; fi
if [ -n "\${VAULT_CACERT:-}" ]; then export BAO_CACERT="\${VAULT_CACERT}"; fi
unset BAO_TOKEN
if [ -n "\${HANDOVER_VAULT_TOKEN_FILE:-}" ]; then
  # Outside a cluster only (see the module's comment): a token with exactly this handover's policy.
  VAULT_TOKEN="$(cat "\${HANDOVER_VAULT_TOKEN_FILE}")"
  if [ -z "\${VAULT_TOKEN}" ]; then
    echo "handover: HANDOVER_VAULT_TOKEN_FILE is empty; nothing written" >&2
    exit 1
  fi
else
  # Log in as this Job's service account; the Vault token lives only in this shell and is never printed.
  if ! VAULT_TOKEN="$("\${cli}" write -field=token "auth/\${AUTH_PATH}/login" role="\${ROLE}" jwt=@"\${token_file}")"; then
    echo "handover: login to auth/\${AUTH_PATH} as role \${ROLE} refused; nothing written" >&2
    exit 1
  fi
fi
export VAULT_TOKEN BAO_TOKEN="\${VAULT_TOKEN}"
# Already handed over: the value in Vault is the authority now, and this run writes nothing. (\`kv metadata get\` has
# no -field flag in either CLI: read the metadata endpoint itself.)
if current="$("\${cli}" read -field=current_version "\${KV_MOUNT}/metadata/\${KV_PATH}" 2>"\${errors}")"; then
  if [ "\${current}" -ge 1 ]; then
    echo "handover: \${KV_MOUNT}/\${KV_PATH} already holds version \${current}; nothing written"
    exit 0
  fi
elif ! grep -q "No value found at" "\${errors}"; then
  # Not "nothing there yet" (sealed, unreachable, refused): say why, and write nothing.
  echo "handover: cannot read \${KV_MOUNT}/metadata/\${KV_PATH}; nothing written:" >&2
  cat "\${errors}" >&2
  exit 1
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
if ! "\${cli}" kv put -mount="\${KV_MOUNT}" -cas=0 "\${KV_PATH}" "$@" >/dev/null 2>"\${errors}"; then
  echo "handover: writing \${KV_MOUNT}/\${KV_PATH} failed; Vault keeps what it had:" >&2
  cat "\${errors}" >&2
  exit 1
fi
echo "handover: \${KV_MOUNT}/\${KV_PATH} created from Secret \${SECRET} ($# keys)"
`;
