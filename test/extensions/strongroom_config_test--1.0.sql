CREATE TABLE strongroom_settings (name text PRIMARY KEY, value text, builtin boolean NOT NULL DEFAULT false);
INSERT INTO strongroom_settings VALUES ('shipped', 'by the extension', true);
SELECT pg_catalog.pg_extension_config_dump('strongroom_settings', 'WHERE NOT builtin');
