-- 0002: the shadow / parity tables (LEAN execution shadow events and strategy shadow
-- evaluations), as named by the Torghut table reference.

CREATE TABLE lean_execution_shadow_events (
  id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  correlation_id          text NOT NULL UNIQUE,
  trade_decision_id       uuid,
  execution_id            uuid,
  symbol                  text NOT NULL,
  side                    text,
  qty                     numeric,
  intent_price            numeric,
  simulated_fill_price    numeric,
  simulated_slippage_bps  numeric,
  parity_delta_bps        numeric,
  parity_status           text NOT NULL,
  failure_taxonomy        text,
  simulation_json         jsonb,
  created_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX lean_execution_shadow_events_decision_idx ON lean_execution_shadow_events (trade_decision_id);

CREATE TABLE lean_strategy_shadow_evaluations (
  id                     uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  run_id                 text NOT NULL UNIQUE,
  strategy_id            uuid,
  symbol                 text NOT NULL,
  intent_json            jsonb,
  shadow_json            jsonb,
  governance_json        jsonb,
  disable_switch_active  boolean NOT NULL DEFAULT false,
  parity_status          text NOT NULL,
  created_at             timestamptz NOT NULL DEFAULT now(),
  updated_at             timestamptz NOT NULL DEFAULT now()
);
