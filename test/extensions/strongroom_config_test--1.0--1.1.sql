INSERT INTO strongroom_settings VALUES ('shipped in 1.1', 'by the upgrade', true);
