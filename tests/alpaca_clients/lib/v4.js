'use strict';
// The official SDK, current line (@alpacahq/alpaca-trade-api 4.x): msgpack on the wire, auth action sent on open.
// Used exactly as a user would (Alpaca facade -> marketData.stockStream), only the URL and the keepalive period
// differ from the defaults (a short ping period so ping/pong is exercised within the test).

const { Alpaca, streaming } = require('@alpacahq/alpaca-trade-api');
const h = require('./harness');

function makeStream(cfg, secret) {
  const alpaca = new Alpaca({ keyId: cfg.key, secret, paper: true });
  return alpaca.marketData.stockStream({
    url: `${cfg.base}/v2/${cfg.feed}`,
    pingIntervalMs: cfg.pingMs,
    pongWaitMs: 2000,
  });
}

function adapter(cfg) {
  const s = makeStream(cfg, cfg.secret);
  const a = {
    name: 'sdk-v4',
    data: { trade: [], quote: [], bar: [] },
    subEvents: [],
    errors: [],
    nconnect: 0,
    connect: () => s.connect(),
    async waitAuth(ms) {
      const r = await s.waitForAuthenticationResult(ms);
      return { ok: r.authenticated, detail: `${r.status} ${r.code ?? ''} ${r.message}` };
    },
    subscribe(channel, syms) {
      ({ trades: () => s.subscribeForTrades(syms), quotes: () => s.subscribeForQuotes(syms), bars: () => s.subscribeForBars(syms) })[channel]();
    },
    unsubscribe(channel, syms) {
      ({ trades: () => s.unsubscribeFromTrades(syms), quotes: () => s.unsubscribeFromQuotes(syms), bars: () => s.unsubscribeFromBars(syms) })[channel]();
    },
    connects: () => a.nconnect,
    async close() {
      s.disconnect();
      h.check('state is "disconnected" after disconnect()', s.getState() === streaming.STATE.DISCONNECTED, s.getState());
    },
  };
  s.onStateChange((st) => {
    if (st === streaming.STATE.CONNECTING) a.nconnect += 1;
  });
  s.onError((e) => a.errors.push(String(e)));
  s.on(streaming.EVENT.SUBSCRIPTION, (state) => {
    a.subEvents.push({ state, at: { trade: a.data.trade.length, quote: a.data.quote.length, bar: a.data.bar.length } });
  });
  s.onTrade((t) => a.data.trade.push({ symbol: t.symbol, price: t.price, size: t.size, ts: t.timestamp, tsRaw: t.timestampRaw }));
  s.onQuote((q) => a.data.quote.push({ symbol: q.symbol, bp: q.bidPrice, bs: q.bidSize, ap: q.askPrice, as: q.askSize, ts: q.timestamp, tsRaw: q.timestampRaw }));
  s.onBar((b) => a.data.bar.push({ symbol: b.symbol, o: b.open, h: b.high, l: b.low, c: b.close, v: b.volume, ts: b.timestamp, tsRaw: b.timestampRaw }));
  return a;
}

/** Wrong secret: the SDK must report 402 "auth failed" and must not reconnect. */
async function wrongKey(cfg) {
  const s = makeStream(cfg, `${cfg.secret}-wrong`);
  let connects = 0;
  const errors = [];
  s.onStateChange((st) => {
    if (st === streaming.STATE.CONNECTING) connects += 1;
  });
  s.onError((e) => errors.push(String(e)));
  s.connect();
  const r = await s.waitForAuthenticationResult(cfg.timeoutMs);
  h.check('wrong secret: auth rejected by the server with code 402', r.status === streaming.STREAM_AUTH_STATUS.SERVER_REJECTED && r.code === 402,
    `status=${r.status} code=${r.code} message=${r.message}`);
  h.check('wrong secret: client reports "auth failed"', errors.includes('auth failed'), h.fmt(errors));
  await h.sleep(cfg.quietMs);
  h.check('wrong secret: no reconnect attempt', connects === 1, `connects=${connects}`);
  h.check('wrong secret: stream ends disconnected', s.getState() === streaming.STATE.DISCONNECTED, s.getState());
  s.disconnect();
}

module.exports = { adapter, wrongKey };
