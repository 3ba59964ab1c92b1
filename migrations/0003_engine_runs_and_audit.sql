-- 0003: the engine's own ledger. One row per engine run (mode, heartbeat, counts); the risk
-- verdict of every decision; and the run's other audit rows (anomalies, control events), keyed
-- by (run, audit sequence) so a replayed row is absorbed.

CREATE TABLE engine_runs (
  id            uuid PRIMARY KEY,
  mode          text NOT NULL CHECK (mode IN ('live', 'paper', 'shadow', 'replay')),
  account_label text NOT NULL,
  host          text,
  version       text,
  config_json   jsonb,
  started_at    timestamptz NOT NULL,
  heartbeat_at  timestamptz NOT NULL,
  ended_at      timestamptz,
  events        bigint NOT NULL DEFAULT 0,
  decisions     bigint NOT NULL DEFAULT 0,
  orders        bigint NOT NULL DEFAULT 0,
  fills         bigint NOT NULL DEFAULT 0
);
CREATE INDEX engine_runs_started_idx ON engine_runs (started_at);

CREATE TABLE risk_verdicts (
  id                    uuid PRIMARY KEY,
  trade_decision_id     uuid NOT NULL,
  alpaca_account_label  text NOT NULL,
  decision_hash         text NOT NULL,
  approved              boolean NOT NULL,
  reason                text NOT NULL,
  trading_state         text NOT NULL,
  verdict_json          jsonb NOT NULL,
  engine_run_id         uuid,
  audit_seq             bigint,
  decided_at            timestamptz NOT NULL,
  CONSTRAINT risk_verdicts_account_hash_key UNIQUE (alpaca_account_label, decision_hash)
);

CREATE TABLE engine_run_events (
  engine_run_id  uuid NOT NULL,
  audit_seq      bigint NOT NULL,
  kind           text NOT NULL,
  event_ts       timestamptz NOT NULL,
  symbol         text,
  payload        jsonb NOT NULL,
  PRIMARY KEY (engine_run_id, audit_seq)
);
