// Drives the couponsd console in Debian's headless Chromium, as an admin
// would: a wrong token refused, log in, create a coupon from the form,
// redeem it 3 times with the CLI, see 3 on the coupon's chart, suspend it
// and see the CLI's VALIDATE refuse it INACTIVE. Screenshots of the login,
// the coupons and the chart go to $SCREENSHOTS.
//
// node tests/console/e2e.mjs URL TOKEN
// env: COUPONSD_BIN (the binary), COUPONSD_ADDR (its protocol port),
//      COUPONSD_REDEEM_TOKEN, SCREENSHOTS (a directory), CHROMIUM (optional)
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [url, token] = process.argv.slice(2);
const bin = process.env.COUPONSD_BIN;
const addr = process.env.COUPONSD_ADDR;
const redeemToken = process.env.COUPONSD_REDEEM_TOKEN || token;
const shots = process.env.SCREENSHOTS || mkdtempSync(join(tmpdir(), "console-shots-"));
if (!url || token === undefined || !bin || !addr) {
  console.error("usage: COUPONSD_BIN=... COUPONSD_ADDR=... node e2e.mjs URL TOKEN");
  process.exit(2);
}
const CODE = "E2E-TEN";

function fail(why) {
  console.error("E2E FAILED: " + why);
  process.exit(1);
}

// The CLI, as an operator runs it; its --json output.
function cli(...args) {
  try {
    return execFileSync(bin, [...args, "--addr", addr, "--token", redeemToken, "--json"], { encoding: "utf8" });
  } catch (e) {
    // A refusal exits 1 and still prints its JSON.
    if (e.stdout) return e.stdout;
    throw e;
  }
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  // Answers of 401 (before login, a wrong token) and the favicon's 404 are
  // expected; a script error or a CSP violation ("Refused to ...") is not.
  page.on("console", (m) => {
    if (m.type() === "error" && !m.text().startsWith("Failed to load resource")) errors.push(m.text());
  });

  await page.goto(url + "/console/");
  await page.waitForSelector("#login-form", { state: "visible" });
  await page.screenshot({ path: join(shots, "login.png") });

  await page.fill("#token", "not-the-token");
  await page.click("#login-form button[type=submit]");
  await page.waitForFunction(() => document.getElementById("message").textContent === "Login refused.");
  if (await page.isVisible("#nav")) fail("a wrong token opened the console");
  console.log("wrong token refused");

  await page.fill("#token", token);
  await page.click("#login-form button[type=submit]");
  await page.waitForSelector("#coupons", { state: "visible" });
  console.log("logged in");

  const form = "#create-coupon";
  await page.fill(form + " input[name=code]", CODE.toLowerCase());
  await page.fill(form + " input[name=name]", "Ten percent");
  await page.selectOption(form + " select[name=kind]", "percent");
  await page.fill(form + " input[name=value]", "10");
  await page.fill(form + " input[name=usage_limit]", "100");
  await page.check(form + " input[name=is_public]");
  await page.click(form + " button[type=submit]");
  await page.waitForSelector(`tr[data-code="${CODE}"]`);
  const created = await page.textContent("#message");
  if (!created.includes("Created coupon " + CODE)) fail("no confirmation: " + created);
  console.log("created " + CODE);
  await page.screenshot({ path: join(shots, "coupons.png"), fullPage: true });

  for (let i = 1; i <= 3; i++) {
    const out = JSON.parse(cli("redeem", "--code", CODE, "--customer", "e2e-" + i, "--order", "e2e-order-" + i,
      "--amount", "40.00", "--currency", "EUR"));
    if (out.success !== true) fail("redeem " + i + ": " + JSON.stringify(out));
  }
  console.log("redeemed 3 times with the CLI");

  await page.click(`tr[data-code="${CODE}"] a`);
  await page.waitForSelector("#usage-chart rect.bar");
  const bars = await page.$$eval("#usage-chart rect.bar", (rects) => rects.map((r) => Number(r.dataset.redemptions)));
  const total = Number(await page.getAttribute("#usage-chart", "data-total"));
  const shown = await page.$$eval("#usage-chart text.count", (t) => t.map((n) => n.textContent));
  if (bars.reduce((a, b) => a + b, 0) !== 3 || total !== 3 || !shown.includes("3")) {
    fail(`the chart shows ${JSON.stringify(bars)} (total ${total}, labels ${JSON.stringify(shown)})`);
  }
  console.log("chart shows 3 redemptions");
  await page.screenshot({ path: join(shots, "chart.png"), fullPage: true });

  await page.click("button[data-action=suspend]");
  await page.waitForFunction(() => document.getElementById("coupon-status")?.textContent === "SUSPENDED");
  const validation = JSON.parse(cli("validate", "--code", CODE, "--customer", "e2e-9", "--amount", "40.00", "--currency", "EUR"));
  if (validation.valid !== false || validation.reason !== "INACTIVE") {
    fail("VALIDATE after suspend: " + JSON.stringify(validation));
  }
  console.log("suspended; VALIDATE says INACTIVE");

  for (const link of ["#/campaigns", "#/fraud", "#/cluster"]) {
    await page.click(`nav a[href="${link}"]`);
    await page.waitForSelector("#view h2");
  }
  if (errors.length > 0) fail("errors in the page: " + errors.join("; "));
  console.log("E2E OK screenshots in " + shots);
} finally {
  await browser.close();
}
