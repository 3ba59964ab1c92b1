'use strict';
// A raw wire audit of the facts the SDKs above rely on, in both encodings, with the same `ws` and
// `@msgpack/msgpack` packages the 4.x SDK uses: greeting first, control messages alone in their array, the
// subscription reply carries all nine keys, `T` is the first key of every map, timestamps are RFC 3339 strings
// (JSON) or the msgpack Timestamp extension -1 (msgpack).

const { WebSocket } = require('ws');
const { decode, encode, ExtensionCodec, EXT_TIMESTAMP, decodeTimestampToTimeSpec } = require('@msgpack/msgpack');
const h = require('./harness');

const ALL_KEYS = ['trades', 'quotes', 'bars', 'updatedBars', 'dailyBars', 'statuses', 'lulds', 'corrections', 'cancelErrors'];
const CONTROL = new Set(['success', 'error', 'subscription']);

class Ts {
  constructor(sec, nsec) {
    this.sec = sec;
    this.nsec = nsec;
  }
}

async function session(cfg, format) {
  const msgpack = format === 'msgpack';
  const codec = new ExtensionCodec();
  codec.register({ type: EXT_TIMESTAMP, encode: () => null, decode: (d) => { const t = decodeTimestampToTimeSpec(d); return new Ts(t.sec, t.nsec); } });
  const frames = [];
  const kinds = [];
  const ws = new WebSocket(`${cfg.base}/v2/${cfg.feed}`, {
    perMessageDeflate: false,
    headers: msgpack ? { 'Content-Type': 'application/msgpack' } : undefined,
  });
  let closed = false;
  ws.on('close', () => {
    closed = true;
  });
  ws.on('error', () => {});
  ws.on('message', (data, isBinary) => {
    kinds.push(isBinary ? 'binary' : 'text');
    try {
      frames.push(msgpack ? decode(data, { extensionCodec: codec, useBigInt64: true }) : JSON.parse(data.toString('utf8')));
    } catch (e) {
      frames.push({ undecodable: String(e) });
    }
  });
  const send = (o) => ws.send(msgpack ? encode(o) : JSON.stringify(o));
  const T = cfg.timeoutMs;
  const find = (pred, from = 0) => frames.slice(from).find((f) => Array.isArray(f) && f.length === 1 && pred(f[0]));

  h.check('greeting arrives', await h.waitFor(() => frames.length > 0 || closed, T) && frames.length > 0);
  h.check('first frame is [{"T":"success","msg":"connected"}]', h.fmt(frames[0]) === '[{"T":"success","msg":"connected"}]', h.fmt(frames[0]));
  h.check(`frames are ${msgpack ? 'binary' : 'text'}`, kinds.every((k) => k === (msgpack ? 'binary' : 'text')), h.fmt([...new Set(kinds)]));
  send({ action: 'auth', key: cfg.key, secret: cfg.secret });
  h.check('auth answered [{"T":"success","msg":"authenticated"}]',
    await h.waitFor(() => !!find((m) => m.T === 'success' && m.msg === 'authenticated'), T), h.fmt(frames.slice(1)));
  let from = frames.length;
  send({ action: 'subscribe', trades: ['*'], quotes: ['*'] });
  await h.waitFor(() => !!find((m) => m.T === 'subscription', from), T);
  const sub = find((m) => m.T === 'subscription', from);
  h.check('subscribe answered with a subscription message', !!sub, h.fmt(frames.slice(from, from + 3)));
  if (sub) {
    const m = sub[0];
    const missing = ALL_KEYS.filter((k) => !Array.isArray(m[k]));
    h.check('subscription reply carries all nine keys as arrays', missing.length === 0, `missing ${missing.join(',')} in ${h.fmt(m)}`);
    h.check('subscription reply: trades and quotes are ["*"]', h.sameSet(m.trades, ['*']) && h.sameSet(m.quotes, ['*']), h.fmt(m));
    h.check('subscription reply: corrections and cancelErrors follow trades', h.sameSet(m.corrections, m.trades) && h.sameSet(m.cancelErrors, m.trades), h.fmt(m));
  }
  from = frames.length;
  await h.waitFor(() => frames.slice(from).reduce((n, f) => n + (Array.isArray(f) ? f.length : 0), 0) >= cfg.minData * 4, T);
  const got = frames.slice(from);
  let mixed = 0, notArray = 0, tNotFirst = 0, badTs = 0, n = 0;
  let example;
  for (const f of got) {
    if (!Array.isArray(f)) { notArray += 1; example = example || f; continue; }
    if (f.length > 1 && f.some((m) => CONTROL.has(m && m.T))) mixed += 1;
    for (const m of f) {
      if (!m || CONTROL.has(m.T)) continue;
      n += 1;
      if (Object.keys(m)[0] !== 'T') { tNotFirst += 1; example = example || m; }
      const ok = msgpack ? m.t instanceof Ts && m.t.nsec >= 0 && m.t.nsec < 1e9 : typeof m.t === 'string' && h.RFC3339_UTC.test(m.t);
      if (!ok) { badTs += 1; example = example || m; }
    }
  }
  h.check(`data messages arrive (>= ${cfg.minData * 4})`, n >= cfg.minData * 4, `got ${n}`);
  h.check('every frame decodes to an array', notArray === 0, h.fmt(example));
  h.check('control messages never share an array with data', mixed === 0, `${mixed} mixed frames`);
  h.check('"T" is the first key of every data message', tNotFirst === 0, `${tNotFirst} bad; e.g. ${h.fmt(example)}`);
  h.check(msgpack ? 'timestamps are msgpack Timestamp extension (-1)' : 'timestamps are RFC 3339 UTC strings (0-9 fractional digits)',
    badTs === 0, `${badTs} bad; e.g. ${h.fmt(example)}`);
  ws.close();
  await h.waitFor(() => closed, T);
}

module.exports = { session };
