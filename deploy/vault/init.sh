#!/bin/sh
# One-shot setup of the dev Vault for leash: the database secrets engine, one connection and one readwrite role
# per environment. The role SQL lives in sql/ (the tests configure the stand-in Vault from the same files);
# @DATABASE@ in the creation statements becomes the environment's database. Safe to run again.
set -eu

: "${VAULT_ADDR:?VAULT_ADDR is required}"
: "${VAULT_TOKEN:?VAULT_TOKEN is required}"
PG_HOST="${PG_HOST:-postgres}"
PG_PORT="${PG_PORT:-5432}"
PG_USER="${PG_USER:-postgres}"
PG_PASSWORD="${PG_PASSWORD:-postgres}"
ENVIRONMENTS="${ENVIRONMENTS:-staging production}"
SQL_DIR="$(cd "$(dirname "$0")" && pwd)/sql"
WORK_DIR="$(mktemp -d)"
export VAULT_ADDR VAULT_TOKEN

tries=0
until vault status >/dev/null 2>&1; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "vault-init: Vault at $VAULT_ADDR did not become ready" >&2
    exit 1
  fi
  sleep 1
done

if vault secrets list -format=json | grep -q '"database/"'; then
  echo "vault-init: database engine already enabled"
else
  vault secrets enable database
fi

for env in $ENVIRONMENTS; do
  vault write "database/config/$env" \
    plugin_name=postgresql-database-plugin \
    connection_url="postgresql://{{username}}:{{password}}@$PG_HOST:$PG_PORT/$env?sslmode=disable" \
    username="$PG_USER" \
    password="$PG_PASSWORD" \
    allowed_roles="$env-readwrite"

  sed "s/@DATABASE@/$env/g" "$SQL_DIR/readwrite-creation.sql" >"$WORK_DIR/$env-creation.sql"
  vault write "database/roles/$env-readwrite" \
    db_name="$env" \
    creation_statements=@"$WORK_DIR/$env-creation.sql" \
    revocation_statements=@"$SQL_DIR/revocation.sql" \
    default_ttl=15m \
    max_ttl=1h
  echo "vault-init: database/creds/$env-readwrite ready"
done

rm -rf "$WORK_DIR"
