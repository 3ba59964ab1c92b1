'use strict';
// Small test harness shared by the SDK conformance scripts: named checks, waits, a summary line.
// No timing is asserted: waits only bound how long a check may take before it is declared failed.

const results = [];
let currentGroup = '';

function group(name) {
  currentGroup = name;
  console.log(`# ${name}`);
}

function clip(s, n = 600) {
  return s.length > n ? `${s.slice(0, n)}... (${s.length} chars)` : s;
}

function check(name, ok, detail) {
  if (detail !== undefined) detail = clip(String(detail));
  const full = currentGroup ? `${currentGroup}: ${name}` : name;
  results.push({ name: full, ok: !!ok, detail });
  if (ok) {
    console.log(`ok - ${full}`);
  } else {
    console.log(`not ok - ${full}${detail !== undefined ? `\n    ${String(detail)}` : ''}`);
  }
  return !!ok;
}

function info(msg) {
  console.log(`    info: ${msg}`);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls `pred` until it is true or `timeoutMs` passes; resolves to the final value of `pred`. */
async function waitFor(pred, timeoutMs, pollMs = 20) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (pred()) return true;
    if (Date.now() >= deadline) return !!pred();
    await sleep(pollMs);
  }
}

function summary() {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  if (failed > 0) {
    console.log('# failed checks:');
    for (const r of results) if (!r.ok) console.log(`#   ${r.name}${r.detail !== undefined ? ` -- ${r.detail}` : ''}`);
  }
  console.log(`${passed} passed, ${failed} failed`);
  return failed === 0 && passed > 0;
}

function sameSet(a, b) {
  const sa = new Set(a || []);
  const sb = new Set(b || []);
  if (sa.size !== sb.size) return false;
  for (const x of sa) if (!sb.has(x)) return false;
  return true;
}

const fmt = (v) => JSON.stringify(v, (k, x) => (typeof x === 'bigint' ? `${x}n` : x));

// RFC 3339 UTC as Alpaca sends it: 0 to 9 fractional digits, trailing zeros trimmed, `Z`.
const RFC3339_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?Z$/;

function validDate(d) {
  return d instanceof Date && !Number.isNaN(d.getTime()) && d.getTime() > Date.UTC(2000, 0, 1);
}

function positive(x) {
  return typeof x === 'number' && Number.isFinite(x) && x > 0;
}

module.exports = { group, check, info, sleep, waitFor, summary, sameSet, fmt, RFC3339_UTC, validDate, positive };
