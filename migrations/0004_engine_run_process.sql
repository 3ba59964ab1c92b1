-- 0004: which process a run is, and how it ended, so that a run whose process died (SIGKILL,
-- power cut) is closed by the next start instead of staying open for ever: the process id on its
-- host, and a status ('running' until the final heartbeat says 'finished'; 'abandoned' when a
-- later start found the process gone or its heartbeat too old).

ALTER TABLE engine_runs ADD COLUMN pid integer;
ALTER TABLE engine_runs ADD COLUMN status text NOT NULL DEFAULT 'running'
  CHECK (status IN ('running', 'finished', 'abandoned'));
CREATE INDEX engine_runs_open_idx ON engine_runs (heartbeat_at) WHERE ended_at IS NULL;
