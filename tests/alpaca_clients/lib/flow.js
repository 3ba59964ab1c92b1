'use strict';
// The market-data conformance flow, written once against a thin adapter per client library.
//
// An adapter exposes:
//   name, connect(), waitAuth(ms) -> {ok, detail}, subscribe(channel, symbols), unsubscribe(channel, symbols),
//   subEvents: [{ state: {trades, quotes, bars}, at: {trade, quote, bar} }]  (appended on every subscription reply;
//              `at` = how many data messages of each kind had been delivered when the reply was seen),
//   data: { trade: [], quote: [], bar: [] } normalised (see below), errors: [string], connects(): number,
//   close() -> Promise.
// Normalised data: trade {symbol, price, size, ts: Date, tsRaw?}, quote {symbol, bp, bs, ap, as, ts, tsRaw?},
//                  bar {symbol, o, h, l, c, v, ts, tsRaw?}.

const h = require('./harness');

const KINDS = ['trade', 'quote', 'bar'];
const CHANNEL = { trade: 'trades', quote: 'quotes', bar: 'bars' };

function counts(a) {
  return { trade: a.data.trade.length, quote: a.data.quote.length, bar: a.data.bar.length };
}

function lastSub(a) {
  return a.subEvents.length ? a.subEvents[a.subEvents.length - 1] : undefined;
}

/** Waits for a subscription reply (after index `from`) whose state satisfies `pred`. */
async function waitSub(a, from, pred, ms) {
  let hit;
  await h.waitFor(() => {
    for (let i = from; i < a.subEvents.length; ++i) {
      if (pred(a.subEvents[i].state)) {
        hit = a.subEvents[i];
        return true;
      }
    }
    return false;
  }, ms);
  return hit;
}

function tradeProblem(t) {
  if (typeof t.symbol !== 'string' || t.symbol === '') return 'symbol missing';
  if (!h.positive(t.price)) return `price not > 0: ${t.price}`;
  if (!h.positive(t.size)) return `size not > 0: ${t.size}`;
  if (!h.validDate(t.ts)) return `timestamp not parsed: ${t.ts}`;
  return undefined;
}

function quoteProblem(q) {
  if (typeof q.symbol !== 'string' || q.symbol === '') return 'symbol missing';
  if (!h.positive(q.bp) || !h.positive(q.ap)) return `bid/ask price not > 0: ${q.bp}/${q.ap}`;
  if (!(q.bs >= 0) || !(q.as >= 0)) return `bid/ask size not >= 0: ${q.bs}/${q.as}`;
  if (!h.validDate(q.ts)) return `timestamp not parsed: ${q.ts}`;
  return undefined;
}

function barProblem(b) {
  if (typeof b.symbol !== 'string' || b.symbol === '') return 'symbol missing';
  for (const k of ['o', 'h', 'l', 'c']) if (!h.positive(b[k])) return `${k} not > 0: ${b[k]}`;
  if (b.h < Math.max(b.o, b.c, b.l) || b.l > Math.min(b.o, b.c, b.h)) return `ohlc inconsistent: ${h.fmt(b)}`;
  if (!(b.v >= 0)) return `volume not >= 0: ${b.v}`;
  if (!h.validDate(b.ts)) return `timestamp not parsed: ${b.ts}`;
  return undefined;
}

const PROBLEM = { trade: tradeProblem, quote: quoteProblem, bar: barProblem };

function checkSane(kind, list) {
  let bad = 0;
  let first;
  for (const m of list) {
    const p = PROBLEM[kind](m);
    if (p) {
      bad += 1;
      if (!first) first = `${p} in ${h.fmt(m)}`;
    }
  }
  h.check(`every ${kind} decoded with sane fields (${list.length} seen)`, bad === 0, `${bad} bad; first: ${first}`);
}

/**
 * Happy path: authenticate, discover symbols through `*`, subscribe trades/quotes/bars for a few symbols, receive
 * enough of each, check the subscription replies and the per-subscription filtering, unsubscribe, expect silence.
 */
async function happyPath(a, cfg) {
  const T = cfg.timeoutMs;
  a.connect();
  const auth = await a.waitAuth(T);
  if (!h.check('authenticated', auth.ok, auth.detail)) {
    await a.close();
    return;
  }

  // 1. `*` on trades: the reply shows it, trades from any symbol arrive.
  let from = a.subEvents.length;
  a.subscribe('trades', ['*']);
  let sub = await waitSub(a, from, (s) => (s.trades || []).includes('*'), T);
  h.check('subscribe trades ["*"]: reply lists "*" under trades', !!sub, `replies: ${h.fmt(a.subEvents.slice(from).map((e) => e.state))}`);
  const star0 = sub ? sub.at.trade : a.data.trade.length;
  await h.waitFor(() => a.data.trade.length - star0 >= cfg.minData, T);
  const starTrades = a.data.trade.slice(star0);
  const discovered = [...new Set(starTrades.map((t) => t.symbol))].filter((s) => typeof s === 'string').sort();
  h.check(`trades arrive for "*" (>= ${cfg.minData})`, starTrades.length >= cfg.minData, `got ${starTrades.length}`);
  h.info(`symbols seen through "*": ${discovered.join(',') || '(none)'}`);

  from = a.subEvents.length;
  a.unsubscribe('trades', ['*']);
  sub = await waitSub(a, from, (s) => !(s.trades || []).includes('*'), T);
  h.check('unsubscribe trades ["*"]: reply no longer lists "*"', !!sub, `replies: ${h.fmt(a.subEvents.slice(from).map((e) => e.state))}`);
  if (sub) {
    h.check('unsubscribe trades ["*"]: trades list is empty', (sub.state.trades || []).length === 0, h.fmt(sub.state.trades));
  }

  // 2. Named symbols on three channels.
  const syms = cfg.symbols && cfg.symbols.length ? cfg.symbols : discovered.slice(0, 2);
  if (!h.check('at least one symbol to subscribe to', syms.length > 0, 'no symbol given and none discovered')) {
    await a.close();
    return;
  }
  h.info(`subscribing trades/quotes/bars for ${syms.join(',')}`);
  from = a.subEvents.length;
  for (const k of KINDS) a.subscribe(CHANNEL[k], syms);
  sub = await waitSub(a, from, (s) => KINDS.every((k) => h.sameSet(s[CHANNEL[k]], syms)), T);
  h.check('subscription reply matches trades, quotes and bars', !!sub,
    `expected ${h.fmt(syms)} on each; replies: ${h.fmt(a.subEvents.slice(from).map((e) => e.state))}`);
  const base = sub ? sub.at : counts(a);
  const want = { trade: cfg.minData, quote: cfg.minData, bar: cfg.minBars };
  await h.waitFor(() => KINDS.every((k) => a.data[k].length - base[k] >= want[k]), cfg.barTimeoutMs);
  for (const k of KINDS) {
    const got = a.data[k].slice(base[k]);
    h.check(`received >= ${want[k]} ${k}s for subscribed symbols`, got.length >= want[k], `got ${got.length}`);
    checkSane(k, got);
    const stray = got.filter((m) => !syms.includes(m.symbol));
    h.check(`no ${k} for an unsubscribed symbol`, stray.length === 0, `${stray.length} stray, first ${h.fmt(stray[0])}`);
  }
  const raws = a.data.trade.concat(a.data.quote).map((m) => m.tsRaw).filter((x) => typeof x === 'string');
  if (raws.length) {
    const subMs = raws.filter((r) => /\.\d{4,9}Z$/.test(r) && !/\.\d{3}0{6}Z$/.test(r)).length;
    h.info(`${subMs}/${raws.length} trade/quote timestamps carry sub-millisecond digits`);
  }

  // 3. Unsubscribe everything; after the reply nothing more may arrive.
  from = a.subEvents.length;
  for (const k of KINDS) a.unsubscribe(CHANNEL[k], syms);
  sub = await waitSub(a, from, (s) => KINDS.every((k) => (s[CHANNEL[k]] || []).length === 0), T);
  h.check('unsubscribe: reply shows trades, quotes and bars empty', !!sub,
    `replies: ${h.fmt(a.subEvents.slice(from).map((e) => e.state))}`);
  if (sub) {
    await h.sleep(cfg.quietMs);
    const after = counts(a);
    const extra = KINDS.map((k) => after[k] - sub.at[k]);
    h.check(`no data after the unsubscribe reply (${cfg.quietMs} ms)`, extra.every((x) => x === 0),
      `trades/quotes/bars after: ${extra.join('/')}`);
  }

  h.check('one connection for the whole session (no reconnect, pings answered)', a.connects() === 1, `connects: ${a.connects()}`);
  h.check('no error reported by the client', a.errors.length === 0, h.fmt(a.errors.slice(0, 5)));
  await a.close();
}

module.exports = { happyPath, waitSub, lastSub, counts, KINDS, CHANNEL };
