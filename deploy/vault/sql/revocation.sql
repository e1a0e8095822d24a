SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '{{name}}';
REASSIGN OWNED BY "{{name}}" TO CURRENT_USER;
DROP OWNED BY "{{name}}";
DROP ROLE IF EXISTS "{{name}}";
