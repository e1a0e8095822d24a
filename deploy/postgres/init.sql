-- One database per leash environment. CONNECT is revoked from PUBLIC, so a login can reach only the database it
-- was granted: the Vault role for staging cannot connect to production. Runs once, when the volume is empty.
CREATE DATABASE staging;
CREATE DATABASE production;
REVOKE CONNECT ON DATABASE staging FROM PUBLIC;
REVOKE CONNECT ON DATABASE production FROM PUBLIC;

-- Something for a readwrite login to work on in each environment.
\connect staging
CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
\connect production
CREATE TABLE notes (id bigserial PRIMARY KEY, body text NOT NULL, created_at timestamptz NOT NULL DEFAULT now());
