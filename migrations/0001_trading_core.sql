-- 0001: the Torghut trading and audit tables (names and unique keys from the Torghut table
-- reference). Money and quantities are numeric (exact), times timestamptz, ids uuid, payloads
-- jsonb written by the one serializer (persistence/audit_json). The audit tables carry no
-- foreign keys: the write-behind must never have a row refused because a parent row is late.

CREATE TABLE torghut_meta (
  key         text PRIMARY KEY,
  value       text NOT NULL,
  updated_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE strategies (
  id                       uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  name                     text NOT NULL UNIQUE,
  description              text,
  enabled                  boolean NOT NULL DEFAULT false,
  base_timeframe           text NOT NULL DEFAULT '1Sec',
  universe_type            text NOT NULL DEFAULT 'static',
  universe_symbols         jsonb NOT NULL DEFAULT '[]'::jsonb,
  max_position_pct_equity  numeric,
  max_notional_per_trade   numeric,
  engine_strategy_id       bigint UNIQUE,
  created_at               timestamptz NOT NULL DEFAULT now(),
  updated_at               timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE trade_decisions (
  id                    uuid PRIMARY KEY,
  strategy_id           uuid NOT NULL,
  engine_strategy_id    bigint,
  alpaca_account_label  text NOT NULL,
  symbol                text NOT NULL,
  timeframe             text,
  decision_json         jsonb NOT NULL,
  rationale             text,
  status                text NOT NULL DEFAULT 'planned',
  decision_hash         text NOT NULL,
  engine_run_id         uuid,
  audit_seq             bigint,
  created_at            timestamptz NOT NULL,
  executed_at           timestamptz,
  CONSTRAINT trade_decisions_account_hash_key UNIQUE (alpaca_account_label, decision_hash)
);
CREATE INDEX trade_decisions_strategy_idx ON trade_decisions (strategy_id, created_at);
CREATE INDEX trade_decisions_symbol_idx ON trade_decisions (symbol, created_at);

CREATE TABLE llm_decision_reviews (
  id                   uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  trade_decision_id    uuid NOT NULL,
  model                text NOT NULL,
  prompt_version       text NOT NULL,
  input_json           jsonb NOT NULL,
  response_json        jsonb NOT NULL,
  verdict              text NOT NULL,
  confidence           numeric,
  adjusted_qty         numeric,
  adjusted_order_type  text,
  rationale            text,
  risk_flags           jsonb,
  tokens_prompt        integer,
  tokens_completion    integer,
  created_at           timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX llm_decision_reviews_decision_idx ON llm_decision_reviews (trade_decision_id);

CREATE TABLE executions (
  id                          uuid PRIMARY KEY,
  trade_decision_id           uuid,
  alpaca_account_label        text NOT NULL,
  alpaca_order_id             text,
  client_order_id             text NOT NULL,
  symbol                      text NOT NULL,
  side                        text NOT NULL,
  order_type                  text NOT NULL,
  time_in_force               text NOT NULL,
  submitted_qty               numeric NOT NULL CHECK (submitted_qty > 0),
  limit_price                 numeric,
  stop_price                  numeric,
  filled_qty                  numeric NOT NULL DEFAULT 0,
  avg_fill_price              numeric,
  status                      text NOT NULL,
  execution_expected_adapter  text,
  execution_actual_adapter    text,
  execution_fallback_reason   text,
  execution_fallback_count    integer NOT NULL DEFAULT 0,
  execution_correlation_id    text,
  execution_idempotency_key   text,
  execution_audit_json        jsonb,
  raw_order                   jsonb,
  order_feed_last_event_ts    timestamptz,
  order_feed_last_seq         bigint,
  engine_order_id             bigint,
  engine_run_id               uuid,
  created_at                  timestamptz NOT NULL,
  updated_at                  timestamptz NOT NULL DEFAULT now(),
  last_update_at              timestamptz,
  CONSTRAINT executions_account_order_key UNIQUE (alpaca_account_label, alpaca_order_id),
  CONSTRAINT executions_account_client_order_key UNIQUE (alpaca_account_label, client_order_id)
);
CREATE INDEX executions_decision_idx ON executions (trade_decision_id);

CREATE TABLE execution_order_events (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  event_fingerprint     text NOT NULL UNIQUE,
  source_topic          text NOT NULL,
  source_partition      integer NOT NULL,
  source_offset         bigint NOT NULL,
  feed_seq              bigint,
  event_ts              timestamptz NOT NULL,
  event_type            text NOT NULL,
  alpaca_account_label  text NOT NULL,
  symbol                text,
  alpaca_order_id       text,
  client_order_id       text,
  status                text,
  qty                   numeric,
  filled_qty            numeric,
  avg_fill_price        numeric,
  last_fill_qty         numeric,
  last_fill_price       numeric,
  raw_event             jsonb NOT NULL,
  execution_id          uuid,
  trade_decision_id     uuid,
  created_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT execution_order_events_source_key UNIQUE (source_topic, source_partition, source_offset)
);
CREATE INDEX execution_order_events_execution_idx ON execution_order_events (execution_id);
CREATE INDEX execution_order_events_coid_idx ON execution_order_events (alpaca_account_label, client_order_id);

CREATE TABLE execution_tca_metrics (
  id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  execution_id                uuid NOT NULL UNIQUE,
  trade_decision_id           uuid,
  strategy_id                 uuid,
  alpaca_account_label        text NOT NULL,
  symbol                      text NOT NULL,
  side                        text NOT NULL,
  arrival_price               numeric,
  avg_fill_price              numeric,
  filled_qty                  numeric,
  signed_qty                  numeric,
  slippage_bps                numeric,
  shortfall_notional          numeric,
  realized_shortfall_bps      numeric,
  expected_shortfall_bps_p50  numeric,
  expected_shortfall_bps_p95  numeric,
  divergence_bps              numeric,
  simulator_version           text,
  churn_qty                   numeric,
  churn_ratio                 numeric,
  computed_at                 timestamptz NOT NULL DEFAULT now(),
  created_at                  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE position_snapshots (
  id                    uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  alpaca_account_label  text NOT NULL,
  as_of                 timestamptz NOT NULL,
  equity                numeric NOT NULL,
  cash                  numeric NOT NULL,
  buying_power          numeric NOT NULL,
  positions             jsonb NOT NULL,
  engine_run_id         uuid,
  created_at            timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT position_snapshots_account_as_of_key UNIQUE (alpaca_account_label, as_of)
);

CREATE TABLE trade_cursor (
  id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  source         text NOT NULL,
  account_label  text NOT NULL,
  cursor_at      timestamptz NOT NULL,
  cursor_seq     bigint,
  cursor_symbol  text,
  updated_at     timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT trade_cursor_source_account_key UNIQUE (source, account_label)
);
