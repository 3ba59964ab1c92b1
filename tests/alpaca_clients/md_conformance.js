#!/usr/bin/env node
'use strict';
// Market-data conformance: independently written Alpaca clients from npm, used unchanged except for their URL,
// against a server that claims to speak Alpaca's market-data stream v2 (the torghut simulator).
//
// usage: node md_conformance.js --url ws://127.0.0.1:PORT [--tls-url wss://127.0.0.1:PORT] [--key K --secret S]
//          [--feed iex] [--clients v4,mc,v3,raw] [--symbols A,B] [--min 5] [--min-bars 1] [--timeout 15]
//          [--bar-timeout 75]
// env fallbacks: SIM_URL, SIM_TLS_URL, APCA_API_KEY_ID, APCA_API_SECRET_KEY, SDK_CLIENTS.
// Exits 0 when every check passed, 1 otherwise; the last line is "N passed, N failed".

const h = require('./lib/harness');
const flow = require('./lib/flow');

const { parseArgs } = require('./lib/args');

function config() {
  const o = parseArgs(process.argv.slice(2));
  const base = (o.url || process.env.SIM_URL || '').replace(/\/+$/, '');
  if (!/^wss?:\/\/[^/]+$/.test(base)) {
    throw new Error(`--url must be ws://HOST:PORT (no path; the feed path /v2/<feed> is appended), got "${base}"`);
  }
  const tlsBase = (o['tls-url'] || process.env.SIM_TLS_URL || '').replace(/\/+$/, '') || undefined;
  const key = o.key || process.env.APCA_API_KEY_ID;
  const secret = o.secret || process.env.APCA_API_SECRET_KEY;
  if (!key || !secret) throw new Error('need --key/--secret or APCA_API_KEY_ID/APCA_API_SECRET_KEY');
  const clients = (o.clients || process.env.SDK_CLIENTS || (tlsBase ? 'v4,mc,v3,raw' : 'v4,mc,raw')).split(',').filter(Boolean);
  return {
    base,
    tlsBase,
    key,
    secret,
    feed: o.feed || 'iex',
    clients,
    symbols: o.symbols ? o.symbols.split(',').filter(Boolean) : undefined,
    minData: Number(o.min || 5),
    minBars: Number(o['min-bars'] ?? 1),
    timeoutMs: Number(o.timeout || 15) * 1000,
    barTimeoutMs: Number(o['bar-timeout'] || 75) * 1000,
    quietMs: 1000,
    pingMs: 500,
  };
}

async function main() {
  let cfg;
  try {
    cfg = config();
  } catch (e) {
    console.error(`md_conformance: ${e.message}`);
    process.exit(2);
  }
  console.log(`# target ${cfg.base}/v2/${cfg.feed}${cfg.tlsBase ? ` (tls ${cfg.tlsBase})` : ''}; clients ${cfg.clients.join(',')}`);
  for (const c of cfg.clients) {
    // One connection per key at a time (the single-connection rule): give the server a moment to retire the
    // previous client's connection before the next one dials with the same key.
    await h.sleep(250);
    try {
      if (c === 'v4') {
        const v4 = require('./lib/v4');
        h.group('sdk-v4 (@alpacahq/alpaca-trade-api 4.x, msgpack)');
        await flow.happyPath(v4.adapter(cfg), cfg);
        h.group('sdk-v4 wrong key');
        await v4.wrongKey(cfg);
      } else if (c === 'mc') {
        const mc = require('./lib/master_chief');
        h.group('master-chief (@master-chief/alpaca 6.x, JSON)');
        await flow.happyPath(await mc.adapter(cfg), cfg);
        h.group('master-chief wrong key');
        await mc.wrongKey(cfg);
      } else if (c === 'v3') {
        if (!cfg.tlsBase) {
          h.check('sdk-v3 needs --tls-url (it always dials wss://)', false);
          continue;
        }
        const v3 = require('./lib/v3');
        h.group('sdk-v3 (@alpacahq/alpaca-trade-api 3.x, msgpack over TLS)');
        await flow.happyPath(v3.adapter(cfg), cfg);
        h.group('sdk-v3 wrong key');
        await v3.wrongKey(cfg);
      } else if (c === 'raw') {
        const raw = require('./lib/raw');
        h.group('raw wire audit (JSON)');
        await raw.session(cfg, 'json');
        h.group('raw wire audit (msgpack)');
        await raw.session(cfg, 'msgpack');
      } else {
        h.check(`known client "${c}"`, false, 'expected one of v4, mc, v3, raw');
      }
    } catch (e) {
      h.check(`${c}: no exception`, false, e && e.stack ? e.stack : String(e));
    }
  }
  const ok = h.summary();
  // Stray timers/sockets of a misbehaving client must not keep the process alive.
  process.exit(ok ? 0 : 1);
}

main();
