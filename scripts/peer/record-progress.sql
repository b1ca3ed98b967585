-- The transaction of one record-progress request, as the server runs it on
-- PostgreSQL (its statements read off GENDERTRACK_SLOW_QUERY=0ms), for
-- pgbench: the database's own ceiling for these writes, with no server.
-- `-D spread=0`: every client on institution 1's adopted plan (the load
-- tool's record-progress); `-D spread=1`: client i on institution i + 1's
-- (record-progress-spread). The ids are those of `seed --scale large`:
-- institution i's adopted plan is 3i - 1, its 300 actions follow the first
-- plan's 300, 900 actions per institution. The touch triggers run at commit
-- as for the server's writes.
\set inst :spread * :client_id + 1
\set a random(1, 300) + 900 * (:inst - 1) + 300
\set pct random(0, 100)
SELECT u.id, s.expires_at FROM sessions AS s JOIN users AS u ON u.id = s.user_id
  WHERE s.token_hash = 'none' AND s.revoked_at IS NULL AND s.expires_at > now();
BEGIN;
SELECT * FROM actions WHERE id = :a FOR UPDATE;
SELECT * FROM action_plans WHERE id = 3 * :inst - 1 FOR SHARE;
UPDATE actions SET status = 'IN_PROGRESS', progress_percent = :pct, last_progress_at = now(),
  update_count = update_count + 1, updated_at = now(), version = version + 1 WHERE id = :a;
INSERT INTO progress_updates (action_id, author_id, created_at, status, progress_percent, note, evidence)
  VALUES (:a, 2, now(), 'IN_PROGRESS', :pct, 'pgbench update', '[]') RETURNING id;
INSERT INTO audit_events (at, actor_id, operation, subject_id, institution_id, changes)
  VALUES (now(), 2, 'recordProgress', 'QWN0aW9uOjMwNg', :inst, '{"note":[null,"pgbench update"]}') RETURNING id;
COMMIT;
