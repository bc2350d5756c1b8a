-- Backups that run themselves (README: "Running backups on a schedule"). Run once with
--   strongroom sql -f examples/schedule.sql
-- after writing a key with `strongroom keygen /var/lib/strongroom/backup.key` (or edit the path below), then
-- keep `strongroom serve --scheduler-only` running (see the README's systemd unit).

-- Credentials live in connections, never in statements, job records or schedules.
CREATE EXTERNAL CONNECTION IF NOT EXISTS backup_store AS 'nodelocal://1/scheduled';
CREATE EXTERNAL CONNECTION IF NOT EXISTS backup_key AS 'local:///var/lib/strongroom/backup.key';
SHOW BACKUP CONNECTION 'external://backup_store';

-- Hourly incrementals, a daily full backup, the newest seven chains kept.
CREATE SCHEDULE IF NOT EXISTS nightly FOR BACKUP INTO 'external://backup_store'
  WITH kms = 'external://backup_key'
  RECURRING '@hourly' FULL BACKUP '@daily'
  WITH SCHEDULE OPTIONS first_run = 'now', on_execution_failure = 'retry', keep_full = '7';

SHOW SCHEDULES;
