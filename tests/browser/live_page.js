#!/usr/bin/env node
// Drives the engine's live page (GET /, engine/app/web/index.html) in headless Chromium.
//
// usage: node live_page.js URL TOKEN SCREENSHOT_PATH
//   URL             the control API's base URL (http://127.0.0.1:PORT); the page is GET URL/
//   TOKEN           the control token (TORGHUT_CONTROL_TOKEN of the engine)
//   SCREENSHOT_PATH where the full-page PNG goes
// env: CHROMIUM (default /usr/bin/chromium), LIVE_PAGE_TIMEOUT (seconds to wait for each stage, default 30),
//      LIVE_PAGE_WRONG_TOKEN (1, the default: first try the kill switch with a wrong token and expect the
//      page to show the 401 and forget it; 0: skip that step)
//
// Steps: open the page while collecting every console message of type error or warning and every uncaught
// page error; wait until the page shows the feed live, at least one position row and at least one decision
// row; (a wrong token: the page shows the refusal, the kill switch stays off, the token field is asked again);
// type the token, click "Engage kill switch", wait until the page shows the kill switch ENGAGED; let two more
// refreshes pass; take a full-page screenshot. Prints one JSON line of what it saw on stdout. Exit 0 when
// every stage was reached and there was no console error/warning and no page error, 1 otherwise (the reason
// on stderr and in the JSON's "failure").
"use strict";
const { chromium } = require("playwright-core");

const [url, token, shot] = process.argv.slice(2);
if (!url || !token || !shot) {
  console.error("usage: node live_page.js URL TOKEN SCREENSHOT_PATH");
  process.exit(2);
}
const executablePath = process.env.CHROMIUM || "/usr/bin/chromium";
const stageMs = 1000 * Number(process.env.LIVE_PAGE_TIMEOUT || 30);
const wrongTokenFirst = (process.env.LIVE_PAGE_WRONG_TOKEN || "1") === "1";

const report = {
  url,
  console_errors: [],   // console messages of type error or warning
  expected_console: [], // ... the two kinds normal operation has (see expected())
  page_errors: [],      // uncaught exceptions
  failed_requests: [],  // requests that got no response at all (refused by the CSP, network errors)
  mode: null,
  feed_state: null,
  positions: [],        // symbols in the positions table when the page was first complete
  positions_final: [],  // ... and at the end (after the kill switch, when nothing trades any more)
  decisions: 0,
  first_decision: null,
  kill_switch_before: null,
  wrong_token_result: null,
  kill_switch_shown: false,
  control_result: null,
  trading_state: null,
  latency: null,
  screenshot: null,
  failure: null,
};

// Chromium itself logs every HTTP error status a fetch gets ("Failed to load resource: the server responded with
// a status of N"); no page script can prevent that. Two of them are part of normal operation and are reported
// apart rather than as errors: /trading/health's 503 while the engine is not ready, and the 401 of the wrong
// token this script sends on purpose. Everything else logged as an error or a warning fails the run.
let phase = "load";
function expected(entry) {
  const m = /^Failed to load resource: the server responded with a status of (\d+)/.exec(entry.text);
  if (!m) return null;
  let path = "";
  try { path = new URL(entry.url).pathname; } catch (e) { return null; }
  if (m[1] === "503" && path === "/trading/health") return "health is 503 until the engine is ready";
  if (m[1] === "401" && phase === "wrong-token" && path === "/trading/kill-switch") return "the wrong token, on purpose";
  return null;
}

function text(page, sel) {
  return page.locator(sel).first().textContent({ timeout: 2000 }).then((t) => (t || "").trim(), () => null);
}

async function symbols(page) {
  return page.$$eval("#positions tbody tr", (rows) => rows.map((r) => (r.cells[0] ? r.cells[0].textContent.trim() : "")));
}

// Waits for fn() (run in the page) to be truthy; on a timeout names the stage.
async function until(page, stage, fn, arg) {
  try {
    await page.waitForFunction(fn, arg, { timeout: stageMs, polling: 200 });
  } catch (e) {
    const seen = {
      conn: await text(page, "#conn-state"),
      feed: await text(page, "#feed-state"),
      positions: await page.locator("#positions tbody tr").count().catch(() => -1),
      positions_note: await text(page, "#positions-note"),
      decisions: await page.locator("#decisions tbody tr").count().catch(() => -1),
      decisions_note: await text(page, "#decisions-note"),
      kill_switch: await text(page, "#kill-switch-state"),
      control_result: await text(page, "#control-result"),
    };
    throw new Error(`timed out after ${stageMs / 1000} s waiting for ${stage}; the page shows ${JSON.stringify(seen)}`);
  }
}

async function main() {
  const args = [];
  if (process.getuid && process.getuid() === 0) args.push("--no-sandbox");  // Chromium refuses root otherwise
  const browser = await chromium.launch({ executablePath, headless: true, args });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
    const page = await context.newPage();
    page.on("console", (m) => {
      if (m.type() !== "error" && m.type() !== "warning") return;
      const loc = m.location();
      const entry = { type: m.type(), text: m.text(), url: loc && loc.url ? loc.url : "" };
      const why = expected(entry);
      if (why) report.expected_console.push(Object.assign(entry, { why }));
      else report.console_errors.push(entry);
    });
    page.on("pageerror", (e) => report.page_errors.push(String(e && e.stack ? e.stack.split("\n")[0] : e)));
    page.on("requestfailed", (r) => {
      const f = r.failure();
      // A refresh cut short when the test closes the page is not a failure of the page.
      if (!(f && /ERR_ABORTED/.test(f.errorText))) report.failed_requests.push(`${r.url()}: ${f ? f.errorText : "?"}`);
    });

    const resp = await page.goto(url.replace(/\/+$/, "") + "/", { waitUntil: "load", timeout: stageMs });
    if (!resp || resp.status() !== 200) throw new Error(`GET / answered ${resp ? resp.status() : "nothing"}`);
    const ctype = resp.headers()["content-type"] || "";
    if (!ctype.startsWith("text/html")) throw new Error(`GET / is ${ctype}, not text/html`);

    await until(page, "the feed shown live", () => {
      const e = document.querySelector("#feed-state");
      return e && e.textContent.trim() === "live";
    });
    await until(page, "a position row", () => document.querySelectorAll("#positions tbody tr").length > 0);
    await until(page, "a decision row", () => document.querySelectorAll("#decisions tbody tr").length > 0);
    report.mode = await text(page, "#mode");
    report.feed_state = await text(page, "#feed-state");
    report.positions = await symbols(page);
    report.decisions = await page.locator("#decisions tbody tr").count();
    report.first_decision = await page.$eval("#decisions tbody tr", (r) => Array.from(r.cells, (c) => c.textContent.trim()));
    report.kill_switch_before = await text(page, "#kill-switch-state");
    if (report.kill_switch_before !== "off") throw new Error(`the kill switch shows "${report.kill_switch_before}" before the test touched it`);

    if (wrongTokenFirst) {
      phase = "wrong-token";
      await page.fill("#token-input", token + "-wrong");
      await page.click("#btn-kill-on");
      await until(page, "the page to show the wrong token's 401", () => /401/.test(document.querySelector("#control-result").textContent));
      report.wrong_token_result = await text(page, "#control-result");
      const stateNote = await text(page, "#token-state");
      if (!/not set/.test(stateNote || "")) throw new Error(`after a 401 the page still holds a token ("${stateNote}")`);
      await page.waitForTimeout(1200);  // a refresh: the kill switch must still be off
      const ks = await text(page, "#kill-switch-state");
      if (ks !== "off") throw new Error(`a wrong token changed the kill switch ("${ks}")`);
      phase = "token";
    }

    await page.fill("#token-input", token);
    await page.click("#btn-kill-on");
    await until(page, "the kill switch shown ENGAGED", () => {
      const e = document.querySelector("#kill-switch-state");
      return e && e.dataset.engaged === "true" && e.textContent.trim() === "ENGAGED";
    });
    report.kill_switch_shown = true;
    report.control_result = await text(page, "#control-result");
    await page.waitForTimeout(2500);  // two more refreshes: positions settle once nothing trades
    report.positions_final = await symbols(page);
    report.trading_state = await text(page, "#trading-state");
    report.latency = { count: await text(page, "#latency-count"), p50: await text(page, "#latency-p50"),
                       p99: await text(page, "#latency-p99"), empty: await page.locator("#latency-empty").isVisible(),
                       bars: await page.locator("#latency-hist .bar").count() };
    await page.screenshot({ path: shot, fullPage: true });
    report.screenshot = shot;
    await page.close();
  } finally {
    await browser.close();
  }
  const bad = [];
  if (report.console_errors.length) bad.push(`${report.console_errors.length} console error(s)/warning(s)`);
  if (report.page_errors.length) bad.push(`${report.page_errors.length} page error(s)`);
  if (report.failed_requests.length) bad.push(`${report.failed_requests.length} failed request(s)`);
  if (bad.length) throw new Error(bad.join(", ") + ": " + JSON.stringify([report.console_errors, report.page_errors, report.failed_requests]));
}

main().then(
  () => { console.log(JSON.stringify(report)); process.exit(0); },
  (e) => {
    report.failure = String(e && e.message ? e.message : e);
    console.log(JSON.stringify(report));
    console.error("live_page: " + report.failure);
    process.exit(1);
  });
