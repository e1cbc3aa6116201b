// The dashboard in a real browser: Debian's headless Chromium driven by playwright-core.
//
// Keeps a demo's simulated weeks (`leadflow demo --data DIR`), serves them (`leadflow serve
// --data DIR`), signs in, opens every page, changes a filter and checks that the URL and the
// figures change, opens a lead from the breach queue, and fails on any console error, page
// error or failed request. Saves a screenshot of each page in LEADFLOW_SCREENSHOTS (default
// target/screenshots).
//
// Environment: LEADFLOW_BIN (the leadflow binary; default target/debug/leadflow),
// CHROMIUM (default /usr/bin/chromium).

import { spawn, spawnSync } from "node:child_process";
import { mkdtempSync, mkdirSync, existsSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const bin = process.env.LEADFLOW_BIN ?? join(root, "target/debug/leadflow");
const browserPath = process.env.CHROMIUM ?? "/usr/bin/chromium";
const shots = process.env.LEADFLOW_SCREENSHOTS ?? join(root, "target/screenshots");
const apiKey = "browser-test-key-0123456789abcdef";

for (const [what, path] of [["the leadflow binary (LEADFLOW_BIN)", bin], ["Chromium (CHROMIUM)", browserPath]]) {
  if (!existsSync(path)) {
    console.error(`browser test: ${what} not found at ${path}`);
    process.exit(1);
  }
}
mkdirSync(shots, { recursive: true });

const env = { ...process.env, LEADFLOW_API_KEY: apiKey, RUST_LOG: "warn" };
const data = mkdtempSync(join(tmpdir(), "leadflow-browser-"));

function step(message) {
  console.log(`browser test: ${message}`);
}

// A demo small enough for a debug build, large enough for every panel to have figures.
step(`leadflow demo --data ${data}`);
const demo = spawnSync(bin, ["demo", "--data", data, "--weeks", "3", "--seed", "7"], {
  env,
  encoding: "utf8",
  timeout: 600_000,
});
if (demo.status !== 0) {
  console.error(demo.stdout, demo.stderr);
  throw new Error(`leadflow demo exited with ${demo.status}`);
}

const server = spawn(bin, ["serve", "--data", data, "--listen", "127.0.0.1:0"], { env });
let serverLog = "";
server.stderr.on("data", (d) => (serverLog += d));
const base = await new Promise((ok, fail) => {
  let out = "";
  const timer = setTimeout(() => fail(new Error(`serve did not say where it listens:\n${out}\n${serverLog}`)), 60_000);
  server.stdout.on("data", (d) => {
    out += d;
    const m = out.match(/http:\/\/127\.0\.0\.1:\d+/);
    if (m) {
      clearTimeout(timer);
      ok(m[0]);
    }
  });
  server.on("exit", (code) => fail(new Error(`serve exited with ${code}:\n${out}\n${serverLog}`)));
});
step(`serving at ${base}`);

const browser = await chromium.launch({
  executablePath: browserPath,
  args: [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
});
const problems = [];
// Set while the test submits a wrong key on purpose: the refusal (401) is what it checks.
let refusalExpected = false;
try {
  const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
  const page = await context.newPage();
  page.on("console", (msg) => {
    if (msg.type() !== "error") return;
    if (refusalExpected && /status of 401/.test(msg.text())) return;
    problems.push(`console error on ${page.url()}: ${msg.text()}`);
  });
  page.on("pageerror", (err) => problems.push(`page error on ${page.url()}: ${err.message}`));
  page.on("requestfailed", (req) => problems.push(`request failed: ${req.url()} ${req.failure()?.errorText}`));
  page.on("response", (res) => {
    if (res.status() >= 400 && !(refusalExpected && res.status() === 401)) {
      problems.push(`HTTP ${res.status()} for ${res.url()}`);
    }
    if (!res.url().startsWith(base)) problems.push(`request left the server: ${res.url()}`);
  });

  // Without a session every page sends the browser to sign in.
  await page.goto(`${base}/`);
  assert.match(page.url(), /\/signin/, "an anonymous visit lands on the sign-in page");
  await page.screenshot({ path: join(shots, "signin.png") });

  // A wrong key is refused, the right one lets in; the key never shows in the URL.
  refusalExpected = true;
  await page.fill('input[name="key"]', "not-the-key");
  const [refusal] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith("/signin") && r.request().method() === "POST"),
    page.click('button[type="submit"]'),
  ]);
  assert.equal(refusal.status(), 401, "a wrong key is refused");
  await page.waitForLoadState();
  assert.match(page.url(), /\/signin/, "a wrong key stays on the sign-in page");
  refusalExpected = false;
  await page.fill('input[name="key"]', apiKey);
  await Promise.all([page.waitForURL(`${base}/`), page.click('button[type="submit"]')]);
  assert.ok(!page.url().includes(apiKey), "the key is not in the URL");
  const cookies = await context.cookies();
  assert.ok(cookies.some((c) => c.httpOnly && c.sameSite === "Strict"), "an HttpOnly, SameSite=Strict session cookie");

  step("overview");
  await page.waitForSelector("#headline");
  const leadsAll = await page.textContent("#headline");
  await page.screenshot({ path: join(shots, "overview.png"), fullPage: true });

  // A filter goes into the URL and changes the figures.
  await page.selectOption('#filters select[name="tier"]', "A");
  await Promise.all([page.waitForURL(/tier=A/), page.click('#filters button[type="submit"]')]);
  const leadsA = await page.textContent("#headline");
  assert.notEqual(leadsA, leadsAll, "the headline changes with the tier filter");
  await page.screenshot({ path: join(shots, "overview-tier-a.png"), fullPage: true });

  // A CSV download of a table.
  const csvHref = await page.getAttribute('a[href*="csv"]', "href");
  assert.ok(csvHref, "every table offers a CSV download");
  const csv = await page.request.get(new URL(csvHref, base).toString());
  assert.equal(csv.status(), 200, "the CSV downloads");
  assert.match(await csv.text(), /,/, "the CSV has columns");

  step("a lead from the breach queue");
  await page.goto(`${base}/`);
  const queueLink = page.locator('#queue a[href^="/leads/"]').first();
  assert.ok((await queueLink.count()) > 0, "the demo leaves leads in the at-risk/breached queue");
  await Promise.all([page.waitForURL(/\/leads\/ld_/), queueLink.click()]);
  await page.waitForSelector("text=Routing");
  await page.screenshot({ path: join(shots, "lead.png"), fullPage: true });

  step("leads list");
  await page.goto(`${base}/leads`);
  await page.screenshot({ path: join(shots, "leads.png"), fullPage: true });

  step("rules");
  await page.goto(`${base}/rules`);
  await page.waitForSelector("text=demo_request");
  await page.screenshot({ path: join(shots, "rules.png"), fullPage: true });

  // Signing out ends the session.
  await page.click('form[action="/signout"] button');
  await page.goto(`${base}/rules`);
  assert.match(page.url(), /\/signin/, "after signing out, pages need a new sign-in");
} finally {
  await browser.close();
  server.kill("SIGTERM");
  rmSync(data, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`browser test: ${problems.length} problem(s):\n${problems.join("\n")}`);
  process.exit(1);
}
step(`passed; screenshots in ${shots}`);
