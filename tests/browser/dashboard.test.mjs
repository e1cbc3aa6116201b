// The dashboard in a real browser: Debian's headless Chromium driven by playwright-core.
//
// Keeps a demo's simulated weeks (`leadflow demo --data DIR`), serves them (`leadflow serve
// --data DIR`), signs in, opens every page, changes a filter and checks that the URL and the
// figures change, opens a lead from the breach queue, and fails on any console error, page
// error or failed request. A page of another site (evil.example, a local server Chromium
// resolves to 127.0.0.1) that auto-submits a form to /signin or /signout is refused (403):
// no session cookie set, none cleared. Saves a screenshot of each page in LEADFLOW_SCREENSHOTS (default
// target/screenshots).
//
// Environment: LEADFLOW_BIN (the leadflow binary; default target/debug/leadflow),
// CHROMIUM (default /usr/bin/chromium).

import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:http";
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

// Another site: each path serves a page whose script submits a form to the dashboard at once.
const evilPages = {
  "/signin": `<form method="post" action="${base}/signin"><input name="key" value="${apiKey}"></form>`,
  "/signout": `<form method="post" action="${base}/signout"></form>`,
};
const evil = createServer((req, res) => {
  const form = evilPages[req.url];
  res.writeHead(form ? 200 : 404, { "content-type": "text/html" });
  res.end(form ? `<!DOCTYPE html><body>${form}<script>document.forms[0].submit()</script>` : "");
});
await new Promise((ok) => evil.listen(0, "127.0.0.1", ok));
const evilBase = `http://evil.example:${evil.address().port}`;

// Opens `path` of the other site in `context` and returns the dashboard's answer to its form.
async function crossSite(context, path) {
  const page = await context.newPage();
  const [answer] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${base}${path}` && r.request().method() === "POST"),
    page.goto(`${evilBase}${path}`),
  ]);
  await page.waitForLoadState();
  const text = await page.textContent("body");
  await page.close();
  return { status: answer.status(), text };
}

const hasSession = async (context) =>
  (await context.cookies(base)).some((c) => c.name === "leadflow_session" && c.value !== "");

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
    // evil.example is the other site's local server: a different site from 127.0.0.1.
    "--host-resolver-rules=MAP evil.example 127.0.0.1",
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

  // Login CSRF: another site's form neither signs a fresh browser in nor this one out.
  step("cross-site sign-in and sign-out are refused");
  const stranger = await browser.newContext();
  const signIn = await crossSite(stranger, "/signin");
  assert.equal(signIn.status, 403, "a cross-site sign-in is refused");
  assert.match(signIn.text, /another site/, "the refusal says why");
  assert.ok(!(await hasSession(stranger)), "a cross-site sign-in sets no session cookie");
  await stranger.close();
  const signOut = await crossSite(context, "/signout");
  assert.equal(signOut.status, 403, "a cross-site sign-out is refused");
  assert.ok(await hasSession(context), "a cross-site sign-out clears no session");

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
  evil.close();
  server.kill("SIGTERM");
  rmSync(data, { recursive: true, force: true });
}

if (problems.length > 0) {
  console.error(`browser test: ${problems.length} problem(s):\n${problems.join("\n")}`);
  process.exit(1);
}
step(`passed; screenshots in ${shots}`);
