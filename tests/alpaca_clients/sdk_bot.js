#!/usr/bin/env node
'use strict';
// sdk_bot: the engine's `tick_probe` strategy written as a user would write it on the official Alpaca JS SDK
// (@alpacahq/alpaca-trade-api 4.x). `bench/wire_to_wire --sdk-bot` runs it after the engine, against the same
// simulators, and measures it with the same stamps (trade frame handed to the md_server writer -> POST /v2/orders
// read by the trading simulator), so that the engine and the SDK bot are compared in one run.
//
// What it does, like strategies/tick_probe.cpp: on every trade print of its symbols, unless an order of that symbol
// is open, buy 1 share when the position is flat (or short) and sell the position otherwise, as one market/day
// order. An order is open from the moment it is submitted until its terminal trade_updates event (fill, canceled,
// rejected, expired, done_for_day) or a failed submission; the position follows the fills. The SDK is used the
// natural way: `new Alpaca({...})`, `marketData.stockStream().onTrade`, `trading.orders.market`,
// `trading.stream().onTradeUpdate`. Two settings differ from the defaults:
//   - `rateLimit: false`: the SDK's proactive client-side limiter (default ~200 requests a minute) is off, so
//     every order goes out at once (the engine's limiter is set out of the way in the harness too);
//   - the REST host: the 4.x facade has no base-URL option (only `paper` picks Alpaca's host), so a request
//     middleware (the SDK's documented `middleware` hook) swaps the origin of every request for --rest-url,
//     as a proxy would. The streams take their URL as an option (`url`).
//
// usage: node sdk_bot.js --md-url ws://127.0.0.1:P/v2/iex --rest-url http://127.0.0.1:Q
//                        [--stream-url ws://127.0.0.1:Q/stream] --symbols AAPL,MSFT [--ready-timeout-ms 30000]
// env fallbacks: SDK_BOT_MD_URL, SDK_BOT_REST_URL, SDK_BOT_STREAM_URL, SDK_BOT_SYMBOLS; keys from
// APCA_API_KEY_ID / APCA_API_SECRET_KEY (or --key / --secret). Prints "sdk_bot: ready" once both streams are
// authenticated and subscribed; on SIGTERM/SIGINT prints its counters and exits 0. Any failure (bad arguments,
// a stream that cannot authenticate or drops after start-up, an unexpected exception) is printed as
// "sdk_bot: error: ..." and exits 1 (2 for usage errors).

let Alpaca;
let streaming;
try {
  ({ Alpaca, streaming } = require('@alpacahq/alpaca-trade-api'));
} catch (e) {
  console.error(`sdk_bot: error: cannot load @alpacahq/alpaca-trade-api (run npm ci in tests/alpaca_clients): ${e.message}`);
  process.exit(1);
}

const { parseArgs } = require('./lib/args');

function fail(msg, code = 1) {
  console.error(`sdk_bot: error: ${msg}`);
  process.exit(code);
}

const TERMINAL = new Set(['fill', 'canceled', 'rejected', 'expired', 'done_for_day']);

async function main() {
  let o;
  try {
    o = parseArgs(process.argv.slice(2));
  } catch (e) {
    fail(`${e.message}\nusage: node sdk_bot.js --md-url URL --rest-url URL [--stream-url URL] --symbols A,B`, 2);
  }
  const mdUrl = o['md-url'] || process.env.SDK_BOT_MD_URL || '';
  const restUrl = (o['rest-url'] || process.env.SDK_BOT_REST_URL || '').replace(/\/+$/, '');
  const streamUrl = o['stream-url'] || process.env.SDK_BOT_STREAM_URL || (restUrl && `${restUrl.replace(/^http/, 'ws')}/stream`);
  const symbols = (o.symbols || process.env.SDK_BOT_SYMBOLS || '').split(',').map((s) => s.trim()).filter(Boolean);
  const keyId = o.key || process.env.APCA_API_KEY_ID;
  const secret = o.secret || process.env.APCA_API_SECRET_KEY;
  const readyTimeoutMs = Number(o['ready-timeout-ms'] || 30000);
  if (!/^wss?:\/\//.test(mdUrl)) fail('--md-url ws://HOST:PORT/v2/FEED is required', 2);
  if (!/^https?:\/\/[^/]+$/.test(restUrl)) fail('--rest-url http://HOST:PORT is required', 2);
  if (symbols.length === 0) fail('--symbols A,B is required', 2);
  if (!keyId || !secret) fail('no API keys: set APCA_API_KEY_ID and APCA_API_SECRET_KEY (or --key/--secret)', 2);

  // The REST host: every request's origin becomes --rest-url (path and query unchanged).
  const toSimulator = {
    async pre({ url, init }) {
      const u = new URL(url);
      return { url: restUrl + u.pathname + u.search, init };
    },
  };
  const alpaca = new Alpaca({ keyId, secret, paper: true, rateLimit: false, middleware: [toSimulator] });
  const orders = alpaca.trading.orders;

  // Per symbol: the position (shares) and whether an order is open.
  const position = new Map(symbols.map((s) => [s, 0]));
  const open = new Map(symbols.map((s) => [s, false]));
  const counters = { trades: 0, skipped: 0, submitted: 0, rejectedSubmissions: 0, fills: 0, terminal: 0 };
  let ready = false;
  let stopping = false;

  // Start-up: the account's positions (a bot restarted on an account that holds shares sells them first).
  try {
    for (const p of await alpaca.trading.positions.getAllOpenPositions()) {
      if (position.has(p.symbol)) position.set(p.symbol, Number(p.qty));
    }
  } catch (e) {
    fail(`GET /v2/positions on ${restUrl}: ${e.message || e}`);
  }

  // trade_updates: the end of an order and the position after a fill.
  const updates = alpaca.trading.stream({ url: streamUrl });
  let listening = false;
  updates.onTradeUpdate((u) => {
    const sym = u.order && u.order.symbol;
    if (!position.has(sym)) return;
    if (u.event === 'fill' || u.event === 'partial_fill') {
      counters.fills += 1;
      if (u.positionQty !== undefined) {
        position.set(sym, Number(u.positionQty));
      } else {
        const q = Number(u.qty || 0);
        position.set(sym, position.get(sym) + (u.order.side === 'sell' ? -q : q));
      }
    }
    if (TERMINAL.has(u.event)) {
      counters.terminal += 1;
      open.set(sym, false);
    }
  });
  updates.on(streaming.EVENT.SUBSCRIPTION, (streams) => {
    if (Array.isArray(streams) && streams.includes('trade_updates')) listening = true;
  });
  updates.onError((e) => console.error(`sdk_bot: trade_updates stream: ${e}`));

  // Market data: one market order per trade print (tick_probe).
  const md = alpaca.marketData.stockStream({ url: mdUrl });
  let subscribed = false;
  md.onTrade((t) => {
    const sym = t.symbol;
    if (!open.has(sym)) return;
    counters.trades += 1;
    if (open.get(sym)) {
      counters.skipped += 1;
      return;
    }
    const pos = position.get(sym);
    const buy = !(pos > 0);
    open.set(sym, true);
    counters.submitted += 1;
    orders.market({ symbol: sym, qty: buy ? 1 : pos, side: buy ? 'buy' : 'sell', timeInForce: 'day' }).then(
      (order) => {
        // A market order can come back already terminal (filled or rejected at once).
        if (order && ['rejected', 'canceled', 'expired'].includes(order.status)) open.set(sym, false);
      },
      (e) => {
        counters.rejectedSubmissions += 1;
        open.set(sym, false);
        if (counters.rejectedSubmissions <= 5) console.error(`sdk_bot: order ${sym} failed: ${e.message || e}`);
      },
    );
  });
  md.on(streaming.EVENT.SUBSCRIPTION, (state) => {
    const trades = (state && state.trades) || [];
    if (symbols.every((s) => trades.includes(s))) subscribed = true;
  });
  md.onError((e) => console.error(`sdk_bot: market-data stream: ${e}`));

  const dropped = (name) => (st) => {
    if (ready && !stopping && st === streaming.STATE.DISCONNECTED) fail(`the ${name} stream disconnected`);
  };
  md.onStateChange(dropped('market-data'));
  updates.onStateChange(dropped('trade_updates'));

  updates.connect();
  updates.subscribeTradeUpdates();
  md.subscribeForTrades(symbols);
  md.connect();
  const [mdAuth, tuAuth] = await Promise.all([
    md.waitForAuthenticationResult(readyTimeoutMs),
    updates.waitForAuthenticationResult(readyTimeoutMs),
  ]);
  if (!mdAuth.authenticated) fail(`market-data stream ${mdUrl}: not authenticated (${mdAuth.status} ${mdAuth.code ?? ''} ${mdAuth.message ?? ''})`);
  if (!tuAuth.authenticated) fail(`trade_updates stream ${streamUrl}: not authenticated (${tuAuth.status} ${tuAuth.message ?? ''})`);
  const deadline = Date.now() + readyTimeoutMs;
  while (!(subscribed && listening)) {
    if (Date.now() > deadline) fail(`no subscription confirmed within ${readyTimeoutMs} ms (trades: ${subscribed}, trade_updates: ${listening})`);
    await new Promise((r) => setTimeout(r, 10));
  }
  ready = true;
  console.log(`sdk_bot: ready (${symbols.length} symbols, market data ${mdUrl}, REST ${restUrl}, trade_updates ${streamUrl}; client rate limiter off)`);

  const stop = () => {
    if (stopping) return;
    stopping = true;
    console.log(`sdk_bot: stopping: ${counters.trades} trades, ${counters.submitted} orders submitted, ` +
      `${counters.skipped} trades skipped (order open), ${counters.rejectedSubmissions} failed submissions, ` +
      `${counters.fills} fills, ${counters.terminal} orders ended`);
    md.disconnect();
    updates.disconnect();
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

process.on('unhandledRejection', (e) => fail(`unhandled rejection: ${e && e.stack ? e.stack : e}`));
process.on('uncaughtException', (e) => fail(`uncaught exception: ${e && e.stack ? e.stack : e}`));
main().catch((e) => fail(e && e.stack ? e.stack : String(e)));
