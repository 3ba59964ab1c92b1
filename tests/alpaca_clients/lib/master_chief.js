'use strict';
// An independent community client, @master-chief/alpaca 6.x: JSON text frames, auth action sent on open
// (it spreads the credentials object into the auth message, so the message also carries `"paper": true`),
// no reconnect logic, no keepalive pings. Pointed at the simulator through its `endpoints` override.

const h = require('./harness');

async function load() {
  return import('@master-chief/alpaca');
}

function makeStream(mod, cfg, secret) {
  const url = `${cfg.base}/v2/${cfg.feed}`;
  return new mod.AlpacaStream({
    credentials: { key: cfg.key, secret },
    type: 'market_data',
    source: cfg.feed,
    endpoints: { websocket: { account: `${cfg.base}/stream`, market_data: () => url } },
  });
}

const ALL_KEYS = ['trades', 'quotes', 'bars', 'updatedBars', 'dailyBars', 'statuses', 'lulds', 'corrections', 'cancelErrors'];

const tsOf = (t) => (typeof t === 'string' ? new Date(t) : new Date(NaN));

async function adapter(cfg) {
  const mod = await load();
  const a = {
    name: 'master-chief',
    data: { trade: [], quote: [], bar: [] },
    subEvents: [],
    errors: [],
    nconnect: 0,
    authed: false,
    closed: false,
    badTs: [],
    subMissing: [],
    connect() {
      const s = makeStream(mod, cfg, cfg.secret);
      a.stream = s;
      a.nconnect += 1;
      s.on('authenticated', () => {
        a.authed = true;
      });
      s.on('close', () => {
        a.closed = true;
      });
      s.on('error', (e) => a.errors.push(e && e.T === 'error' ? `${e.code} ${e.msg}` : String((e && e.message) || e)));
      s.on('subscription', (m) => {
        const missing = ALL_KEYS.filter((k) => !Array.isArray(m[k]));
        if (missing.length) a.subMissing.push(missing);
        a.subEvents.push({ state: m, at: { trade: a.data.trade.length, quote: a.data.quote.length, bar: a.data.bar.length } });
      });
      const raw = (m) => {
        if (typeof m.t !== 'string' || !h.RFC3339_UTC.test(m.t)) a.badTs.push(m.t);
      };
      s.on('trade', (m) => {
        raw(m);
        a.data.trade.push({ symbol: m.S, price: m.p, size: m.s, ts: tsOf(m.t), tsRaw: m.t });
      });
      s.on('quote', (m) => {
        raw(m);
        a.data.quote.push({ symbol: m.S, bp: m.bp, bs: m.bs, ap: m.ap, as: m.as, ts: tsOf(m.t), tsRaw: m.t });
      });
      s.on('bar', (m) => {
        raw(m);
        a.data.bar.push({ symbol: m.S, o: m.o, h: m.h, l: m.l, c: m.c, v: m.v, ts: tsOf(m.t), tsRaw: m.t });
      });
    },
    async waitAuth(ms) {
      const ok = await h.waitFor(() => a.authed || a.closed, ms);
      return { ok: a.authed, detail: ok ? `closed; errors ${h.fmt(a.errors)}` : `timeout after ${ms} ms` };
    },
    subscribe: (channel, syms) => a.stream.subscribe(channel, syms),
    unsubscribe: (channel, syms) => a.stream.unsubscribe(channel, syms),
    connects: () => a.nconnect,
    async close() {
      h.check('every timestamp is an RFC 3339 UTC string (0-9 fractional digits)', a.badTs.length === 0,
        `${a.badTs.length} bad, first ${h.fmt(a.badTs[0])}`);
      h.check('every subscription reply carries all nine channel keys', a.subMissing.length === 0,
        `missing: ${h.fmt(a.subMissing[0])}`);
      h.check('connection still open before the client closes it', !a.closed);
      a.stream.getConnection().close();
      await h.waitFor(() => a.closed, cfg.timeoutMs);
      h.check('close completes', a.closed);
    },
  };
  return a;
}

/** Wrong secret: the server must answer 402 "auth failed" (as an error message) and close the connection. */
async function wrongKey(cfg) {
  const mod = await load();
  const s = makeStream(mod, cfg, `${cfg.secret}-wrong`);
  const errors = [];
  let authed = false;
  let closed = false;
  s.on('authenticated', () => {
    authed = true;
  });
  s.on('close', () => {
    closed = true;
  });
  s.on('error', (e) => errors.push(e && e.T === 'error' ? { code: e.code, msg: e.msg } : { ws: String((e && e.message) || e) }));
  await h.waitFor(() => closed || authed, cfg.timeoutMs);
  h.check('wrong secret: not authenticated', !authed);
  h.check('wrong secret: error {"T":"error","code":402,"msg":"auth failed"} received',
    errors.some((e) => e.code === 402 && e.msg === 'auth failed'), h.fmt(errors));
  h.check('wrong secret: server closes the connection', closed);
  if (!closed) s.getConnection().close();
}

module.exports = { adapter, wrongKey };
