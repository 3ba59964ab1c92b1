#!/usr/bin/env node
'use strict';
// Trading conformance: the official Alpaca JS SDK's trading side (@alpacahq/alpaca-trade-api 3.x, installed as
// `alpaca-v3`: createOrder, getOrder(s), getOrderByClientId, cancelOrder, getAccount, getPositions, getClock and
// the trade_updates stream `trade_ws` / `onOrderUpdate`), used unchanged except for its base URL, against
// `torghut sim`'s trading API (adapters/sim).
//
// usage: node trading_conformance.js --url http://127.0.0.1:PORT [--key K --secret S] [--timeout 20]
// env fallbacks: SIM_TRADING_URL, APCA_API_KEY_ID, APCA_API_SECRET_KEY.
// Exits 0 when every check passed, 1 otherwise; the last line is "N passed, N failed".

const Alpaca = require('alpaca-v3');
const h = require('./lib/harness');

const { parseArgs } = require('./lib/args');

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
const DECIMAL = /^-?\d+(\.\d+)?$/;
const ORDER_FIELDS = ['id', 'client_order_id', 'created_at', 'updated_at', 'submitted_at', 'filled_at', 'expired_at',
  'canceled_at', 'failed_at', 'replaced_at', 'replaced_by', 'replaces', 'asset_id', 'symbol', 'asset_class', 'notional',
  'qty', 'filled_qty', 'filled_avg_price', 'order_class', 'type', 'side', 'time_in_force', 'limit_price', 'stop_price',
  'status', 'extended_hours', 'legs', 'trail_percent', 'trail_price', 'hwm', 'position_intent'];

async function expectStatus(name, promise, status) {
  try {
    const r = await promise;
    h.check(name, false, `resolved instead of HTTP ${status}: ${h.fmt(r)}`);
  } catch (e) {
    const got = e && e.response ? e.response.status : undefined;
    h.check(name, got === status, `HTTP ${got}: ${e && e.response ? h.fmt(e.response.data) : String(e)}`);
    return e && e.response ? e.response.data : undefined;
  }
  return undefined;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const url = (o.url || process.env.SIM_TRADING_URL || '').replace(/\/+$/, '');
  const key = o.key || process.env.APCA_API_KEY_ID;
  const secret = o.secret || process.env.APCA_API_SECRET_KEY;
  const timeoutMs = Number(o.timeout || 20) * 1000;
  if (!/^https?:\/\/[^/]+$/.test(url) || !key || !secret) {
    console.error('trading_conformance: need --url http://HOST:PORT and APCA_API_KEY_ID/APCA_API_SECRET_KEY');
    process.exit(2);
  }
  console.log(`# target ${url} (stream ${url.replace(/^http/, 'ws')}/stream)`);
  const alpaca = new Alpaca({ keyId: key, secretKey: secret, paper: true, baseUrl: url });
  const run = Date.now().toString(36);

  h.group('sdk-v3 trading REST');
  const clock = await alpaca.getClock();
  h.check('getClock: is_open true, RFC 3339 times', clock.is_open === true && RFC3339.test(clock.timestamp) &&
    RFC3339.test(clock.next_open) && RFC3339.test(clock.next_close), h.fmt(clock));
  const account = await alpaca.getAccount();
  h.check('getAccount: ACTIVE, decimals as strings, daytrade_count a number',
    account.status === 'ACTIVE' && DECIMAL.test(account.cash) && DECIMAL.test(account.equity) &&
    DECIMAL.test(account.buying_power) && typeof account.daytrade_count === 'number' &&
    typeof account.pattern_day_trader === 'boolean', h.fmt(account));

  // The trade_updates stream: trade_ws derives ws://HOST:PORT/stream from the base URL.
  h.group('sdk-v3 trade_updates (trade_ws)');
  const ws = alpaca.trade_ws;
  const updates = [];
  const states = [];
  let connected = false;
  ws.onConnect(() => {
    connected = true;
    ws.subscribe(['trade_updates']);
  });
  ws.onStateChange((s) => states.push(s));
  ws.onOrderUpdate((u) => updates.push(u));
  ws.connect();
  h.check('authorized (legacy authenticate form)', await h.waitFor(() => connected, timeoutMs), `states ${h.fmt(states)}`);
  await h.sleep(300);  // the listen acknowledgement

  h.group('sdk-v3 orders');
  // A symbol the simulator quotes: the sample market's first symbol, or --symbol.
  const symbol = o.symbol || 'ALFA';
  const coid = `sdk-${run}-m`;
  const order = await alpaca.createOrder({ symbol, qty: 1, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: coid });
  h.check('createOrder: 200 with the full order object', ORDER_FIELDS.every((k) => k in order) && UUID.test(order.id) &&
    order.client_order_id === coid && order.status === 'accepted' && order.qty === '1', h.fmt(order));
  const filled = await h.waitFor(() => updates.some((u) => u.order && u.order.id === order.id && u.event === 'fill'), timeoutMs);
  const mine = updates.filter((u) => u.order && u.order.id === order.id);
  h.check('onOrderUpdate: new then fill for the market order', filled && mine[0] && mine[0].event === 'new', h.fmt(mine.map((u) => u.event)));
  const fill = mine.find((u) => u.event === 'fill');
  h.check('fill event: price, qty, position_qty, timestamp', fill && DECIMAL.test(fill.price) && fill.qty === '1' &&
    DECIMAL.test(fill.position_qty) && RFC3339.test(fill.timestamp) && UUID.test(fill.execution_id || ''), h.fmt(fill));
  const got = await alpaca.getOrder(order.id);
  h.check('getOrder: filled, filled_avg_price set', got.status === 'filled' && got.filled_qty === '1' &&
    DECIMAL.test(got.filled_avg_price || ''), h.fmt(got));
  const byCoid = await alpaca.getOrderByClientId(coid);
  h.check('getOrderByClientId', byCoid.id === order.id, h.fmt(byCoid));
  const all = await alpaca.getOrders({ status: 'all', limit: 500, direction: 'desc' });
  h.check('getOrders(status all) lists it', Array.isArray(all) && all.some((x) => x.id === order.id), `${all.length} orders`);
  const positions = await alpaca.getPositions();
  const pos = Array.isArray(positions) ? positions.find((p) => p.symbol === symbol) : undefined;
  h.check('getPositions: the bought symbol, long', pos && pos.side === 'long' && DECIMAL.test(pos.qty) &&
    Number(pos.qty) >= 1 && DECIMAL.test(pos.avg_entry_price), h.fmt(positions));

  // A resting limit order, canceled.
  const lcoid = `sdk-${run}-l`;
  const limit = await alpaca.createOrder({ symbol, qty: '1', side: 'buy', type: 'limit', limit_price: '0.01', time_in_force: 'gtc', client_order_id: lcoid });
  h.check('createOrder limit (rests)', limit.status === 'accepted' && limit.limit_price === '0.01', h.fmt(limit));
  await alpaca.cancelOrder(limit.id);
  const canceled = await h.waitFor(() => updates.some((u) => u.order && u.order.id === limit.id && u.event === 'canceled'), timeoutMs);
  h.check('cancelOrder: canceled event', canceled, h.fmt(updates.filter((u) => u.order && u.order.id === limit.id).map((u) => u.event)));
  const after = await alpaca.getOrder(limit.id);
  h.check('getOrder after cancel: canceled', after.status === 'canceled' && RFC3339.test(after.canceled_at || ''), h.fmt(after));
  const open = await alpaca.getOrders({ status: 'open' });
  h.check('getOrders(open) no longer lists it', Array.isArray(open) && !open.some((x) => x.id === limit.id), `${open.length} open`);

  h.group('sdk-v3 errors');
  const dup = await expectStatus('duplicate client_order_id: 422',
    alpaca.createOrder({ symbol, qty: 1, side: 'buy', type: 'market', time_in_force: 'day', client_order_id: coid }), 422);
  h.check('422 body names client_order_id', dup && dup.code === 40010001 && /client_order_id/.test(dup.message), h.fmt(dup));
  await expectStatus('cancel a filled order: 422', alpaca.cancelOrder(order.id), 422);
  await expectStatus('unknown order: 404', alpaca.getOrder('00000000-0000-4000-8000-000000000000'), 404);
  const bad = new Alpaca({ keyId: key, secretKey: 'not-the-secret', paper: true, baseUrl: url });
  const unauth = await expectStatus('wrong secret: 401', bad.getAccount(), 401);
  h.check('401 body', unauth && unauth.code === 40110000, h.fmt(unauth));

  ws.disconnect();
  const ok = h.summary();
  process.exit(ok ? 0 : 1);
}

main().catch((e) => {
  h.check('no exception', false, e && e.stack ? `${e.stack} ${e.response ? h.fmt(e.response.data) : ''}` : String(e));
  h.summary();
  process.exit(1);
});
