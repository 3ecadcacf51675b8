/**
 * The script the move Job runs (a purpose whose owner or id changed, with `movedFrom` in its contract), in the
 * server's official image (POSIX sh and the server's CLI). It copies every live version of the old KV v2 secret into
 * the new one, oldest first, so consumers keep the value and its history; the old secret is left as it is.
 *
 * Each write uses check-and-set (`cas` = the versions already copied), so two runs cannot interleave their writes,
 * and a run is resumable and idempotent:
 * - the new secret holds no version: copy every live version;
 * - it holds n versions, fewer than the old one's live versions: an earlier run stopped half way. The newest one must
 *   be the n-th live old version (compared as the CLI prints them, so no value is ever printed), then copying goes on
 *   from the next; anything else is not this move's, and nothing is written;
 * - it holds at least as many: already moved (and perhaps rotated since): nothing is written.
 * Soft-deleted and destroyed versions are not live and are skipped, so version numbers at the new path count the
 * live versions. Values pass through files in the Job's memory-backed /tmp only, never its arguments or output.
 *
 * Inputs (environment): VAULT_ADDR, VAULT_CACERT, AUTH_PATH, ROLE, KV_MOUNT, FROM_PATH and TO_PATH (inside the
 * mount), TOKEN_FILE (projected service account token), VAULT_CLI (`vault` unless set; `bao` for OpenBao).
 * MOVE_VAULT_TOKEN_FILE is for running it outside a cluster, as HANDOVER_VAULT_TOKEN_FILE is for the handover
 * (vault/handover-script.ts): a token made with exactly this move's policy; the Job never sets it.
 */
export const MOVE_SCRIPT = `set -eu
cli="\${VAULT_CLI:-vault}"
token_file="\${TOKEN_FILE:-/var/run/secrets/vault/token}"
work="\${TMPDIR:-/tmp}/move"
mkdir -p "\${work}"
errors="\${work}/errors"
if [ -n "\${VAULT_ADDR:-}" ]; then export BAO_ADDR="\${VAULT_ADDR}"; fi
if [ -n "\${VAULT_CACERT:-}" ]; then export BAO_CACERT="\${VAULT_CACERT}"; fi
unset BAO_TOKEN
if [ -n "\${MOVE_VAULT_TOKEN_FILE:-}" ]; then
  VAULT_TOKEN="$(cat "\${MOVE_VAULT_TOKEN_FILE}")"
  if [ -z "\${VAULT_TOKEN}" ]; then
    echo "move: MOVE_VAULT_TOKEN_FILE is empty; nothing written" >&2
    exit 1
  fi
elif ! VAULT_TOKEN="$("\${cli}" write -field=token "auth/\${AUTH_PATH}/login" role="\${ROLE}" jwt=@"\${token_file}")"; then
  echo "move: login to auth/\${AUTH_PATH} as role \${ROLE} refused; nothing written" >&2
  exit 1
fi
export VAULT_TOKEN BAO_TOKEN="\${VAULT_TOKEN}"
from="\${KV_MOUNT}/\${FROM_PATH}"
to="\${KV_MOUNT}/\${TO_PATH}"

# A metadata field of a KV secret, or 0 when there is no such secret; any other error stops the move.
field() {
  if value="$("\${cli}" read -field="$2" "\${KV_MOUNT}/metadata/$1" 2>"\${errors}")"; then
    echo "\${value}"
  elif grep -q "No value found at" "\${errors}"; then
    echo 0
  else
    echo "move: cannot read \${KV_MOUNT}/metadata/$1; nothing written:" >&2
    cat "\${errors}" >&2
    return 1
  fi
}
# Version $2 of secret $1 into file $3; status 3 when that version is not live (soft-deleted, destroyed, pruned).
version() {
  if "\${cli}" read -field=data -format=json "\${KV_MOUNT}/data/$1" version="$2" >"$3" 2>"\${errors}"; then
    return 0
  elif grep -q -e "No value found at" -e 'Field "data" not present' "\${errors}"; then
    return 3
  fi
  echo "move: cannot read version $2 of \${KV_MOUNT}/data/$1; stopped:" >&2
  cat "\${errors}" >&2
  return 1
}

oldest="$(field "\${FROM_PATH}" oldest_version)"
current="$(field "\${FROM_PATH}" current_version)"
if [ "\${current}" -eq 0 ]; then
  echo "move: \${from} holds no version: nothing to move" >&2
  exit 1
fi
[ "\${oldest}" -ge 1 ] || oldest=1
live=""
v="\${oldest}"
while [ "\${v}" -le "\${current}" ]; do
  status=0
  version "\${FROM_PATH}" "\${v}" "\${work}/from-\${v}" || status=$?
  case "\${status}" in
    0) live="\${live} \${v}" ;;
    3) ;;
    *) exit 1 ;;
  esac
  v=$((v + 1))
done
set -- \${live}
if [ "$#" -eq 0 ]; then
  echo "move: \${from} has no live version (all deleted or destroyed): nothing to move" >&2
  exit 1
fi
total="$#"
copied="$(field "\${TO_PATH}" current_version)"
if [ "\${copied}" -ge "\${total}" ]; then
  echo "move: \${to} already holds \${copied} versions, \${from} has \${total} live: already moved; nothing written"
  exit 0
fi
if [ "\${copied}" -gt 0 ]; then
  # Resuming: the newest version at the new path must be the old path's live version it was copied from.
  eval "source_version=\\\${\${copied}}"
  version "\${TO_PATH}" "\${copied}" "\${work}/to-\${copied}" || { echo "move: cannot read back \${to}; nothing written" >&2; exit 1; }
  if ! cmp -s "\${work}/from-\${source_version}" "\${work}/to-\${copied}"; then
    echo "move: \${to} holds \${copied} versions that are not \${from}'s; nothing written" >&2
    exit 1
  fi
  echo "move: resuming: \${to} holds the first \${copied} of \${total} live versions of \${from}"
fi
n=0
for v in "$@"; do
  n=$((n + 1))
  [ "\${n}" -gt "\${copied}" ] || continue
  printf '{"options":{"cas":%d},"data":%s}' "$((n - 1))" "$(cat "\${work}/from-\${v}")" >"\${work}/payload"
  if ! "\${cli}" write "\${KV_MOUNT}/data/\${TO_PATH}" @"\${work}/payload" >/dev/null 2>"\${errors}"; then
    echo "move: writing version \${n} of \${to} (from version \${v}) failed; \${from} is untouched, a rerun resumes:" >&2
    cat "\${errors}" >&2
    exit 1
  fi
  echo "move: \${from} version \${v} -> \${to} version \${n}"
done
rm -f "\${work}"/from-* "\${work}"/to-* "\${work}/payload"
echo "move: \${to} holds the \${total} live versions of \${from}; \${from} is left in place"
`;
