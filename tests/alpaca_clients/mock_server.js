#!/usr/bin/env node
'use strict';
// A minimal stand-in for the market-data simulator, written from docs/alpaca-protocol.md, used only to test this
// harness itself (`scripts/sdk-conformance.sh --self-test`). It is NOT the thing under test.
//
// usage: node mock_server.js --key K --secret S [--tls-cert C --tls-key K]   (listens on 127.0.0.1:0)
// prints "listening on ws://127.0.0.1:PORT" (or wss://) and serves until killed.

const fs = require('node:fs');
const http = require('node:http');
const https = require('node:https');
const { WebSocketServer } = require('ws');
const { encode, decode, ExtensionCodec, EXT_TIMESTAMP, encodeTimeSpecToTimestamp } = require('@msgpack/msgpack');

const args = {};
for (let i = 2; i < process.argv.length; i += 2) args[process.argv[i].replace(/^--/, '')] = process.argv[i + 1];
const KEY = args.key;
const SECRET = args.secret;
const SYMBOLS = ['ALFA', 'BRVO', 'CHRL', 'DLTA'];
// Fault switches (harness self-test only): partial-sub (reply lacks corrections/cancelErrors), mixed (the
// subscription reply shares an array with data), no-close (402 without closing), leak (ignores unsubscribe).
const FAULT = args.fault || '';
const KEYS = ['trades', 'quotes', 'bars', 'updatedBars', 'dailyBars', 'statuses', 'lulds', 'corrections', 'cancelErrors'];

class NsTime {
  constructor(ns) {
    this.ns = ns;
  }
}
const codec = new ExtensionCodec();
codec.register({
  type: EXT_TIMESTAMP,
  encode: (o) => (o instanceof NsTime ? encodeTimeSpecToTimestamp({ sec: Number(o.ns / 1000000000n), nsec: Number(o.ns % 1000000000n) }) : null),
  decode: () => null,
});

function rfc3339(ns) {
  const base = new Date(Number(ns / 1000000n)).toISOString().slice(0, 19);
  const frac = String(ns % 1000000000n).padStart(9, '0').replace(/0+$/, '');
  return `${base}${frac ? `.${frac}` : ''}Z`;
}

const server = args['tls-cert']
  ? https.createServer({ cert: fs.readFileSync(args['tls-cert']), key: fs.readFileSync(args['tls-key']) })
  : http.createServer();
server.on('request', (req, res) => {
  res.writeHead(404);
  res.end();
});
const wss = new WebSocketServer({ noServer: true });
server.on('upgrade', (req, sock, head) => {
  if (!/^\/v2\/(iex|sip|delayed_sip|test)$/.test(req.url)) {
    sock.end('HTTP/1.1 404 Not Found\r\n\r\n');
    return;
  }
  wss.handleUpgrade(req, sock, head, (ws) => session(ws, req));
});

const conns = new Set();

function session(ws, req) {
  const msgpack = (req.headers['content-type'] || '').includes('application/msgpack');
  const c = { ws, msgpack, authed: false, subs: { trades: new Set(), quotes: new Set(), bars: new Set() } };
  const send = (arr, ns) => {
    if (ws.readyState !== 1) return;
    if (msgpack) ws.send(encode(arr, { extensionCodec: codec, useBigInt64: true }));
    else ws.send(JSON.stringify(arr.map((m) => (m.t instanceof NsTime ? { ...m, t: rfc3339(m.t.ns) } : m))));
  };
  c.send = send;
  const fail = (code, msg) => {
    send([{ T: 'error', code, msg }]);
    ws.close();
  };
  const state = () => {
    const o = { T: 'subscription' };
    for (const k of KEYS) o[k] = [];
    for (const k of ['trades', 'quotes', 'bars']) o[k] = [...c.subs[k]];
    o.corrections = [...c.subs.trades];
    o.cancelErrors = [...c.subs.trades];
    if (FAULT === 'partial-sub') {
      delete o.corrections;
      delete o.cancelErrors;
    }
    return o;
  };
  const auth = (k, s) => {
    if (c.authed) return send([{ T: 'error', code: 403, msg: 'already authenticated' }]);
    if (k !== KEY || s !== SECRET) {
      if (FAULT === 'no-close') return send([{ T: 'error', code: 402, msg: 'auth failed' }]);
      return fail(402, 'auth failed');
    }
    c.authed = true;
    conns.add(c);
    send([{ T: 'success', msg: 'authenticated' }]);
  };
  send([{ T: 'success', msg: 'connected' }]);
  if (req.headers['apca-api-key-id']) auth(req.headers['apca-api-key-id'], req.headers['apca-api-secret-key']);
  ws.on('message', (data, isBinary) => {
    let m;
    try {
      m = msgpack && isBinary ? decode(data) : JSON.parse(data.toString('utf8'));
    } catch {
      return send([{ T: 'error', code: 400, msg: 'invalid syntax' }]);
    }
    if (!m || typeof m.action !== 'string') return send([{ T: 'error', code: 400, msg: 'invalid syntax' }]);
    if (m.action === 'auth') return auth(m.key, m.secret);
    if (!c.authed) return send([{ T: 'error', code: 401, msg: 'not authenticated' }]);
    if (m.action !== 'subscribe' && m.action !== 'unsubscribe') return send([{ T: 'error', code: 400, msg: 'invalid syntax' }]);
    for (const k of ['trades', 'quotes', 'bars']) {
      for (const s of m[k] || []) {
        if (m.action === 'subscribe') c.subs[k].add(s);
        else if (FAULT !== 'leak') c.subs[k].delete(s);
      }
    }
    if (FAULT === 'mixed') send([state(), { T: 't', S: 'ALFA', i: seq++, x: 'V', p: 1, s: 1, c: [], t: new NsTime(BigInt(Date.now()) * 1000000n), z: 'C' }]);
    else send([state()]);
  });
  ws.on('close', () => conns.delete(c));
}

let seq = 1;
let tick = 0;
setInterval(() => {
  tick += 1;
  const now = BigInt(Date.now()) * 1000000n + BigInt(tick % 1000) * 1000n + 7n;
  const batch = [];
  for (const [i, S] of SYMBOLS.entries()) {
    const px = 100 + i * 10 + (tick % 7) * 0.01;
    batch.push({ T: 't', S, i: seq++, x: 'V', p: px, s: 100, c: ['@'], t: new NsTime(now), z: 'C' });
    batch.push({ T: 'q', S, bx: 'V', bp: px - 0.01, bs: 3, ax: 'V', ap: px + 0.01, as: 2, c: ['R'], t: new NsTime(now), z: 'C' });
    if (tick % 10 === 0) batch.push({ T: 'b', S, o: px, h: px + 0.05, l: px - 0.05, c: px, v: 1000, n: 10, vw: px, t: new NsTime((now / 60000000000n) * 60000000000n) });
  }
  for (const c of conns) {
    const mine = batch.filter((m) => {
      const set = c.subs[{ t: 'trades', q: 'quotes', b: 'bars' }[m.T]];
      return set.has('*') || set.has(m.S);
    });
    if (mine.length) c.send(mine);
  }
}, 20);

server.listen(0, '127.0.0.1', () => {
  console.log(`listening on ${args['tls-cert'] ? 'wss' : 'ws'}://127.0.0.1:${server.address().port}`);
});
