// The couponsd console: a small single page over /console/api/*. Every
// figure comes from the server as it is (money as decimal strings); this
// script only shows it. No inline script, no innerHTML: text is set as text.
"use strict";

const state = { csrf: "" };
const SVG = "http://www.w3.org/2000/svg";

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "onclick") node.addEventListener("click", value);
    else if (key === "onsubmit") node.addEventListener("submit", value);
    else if (value !== undefined && value !== null) node.setAttribute(key, value);
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined) continue;
    node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

function svg(tag, attrs, text) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attrs)) node.setAttribute(key, value);
  if (text !== undefined) node.textContent = String(text);
  return node;
}

function say(text, ok) {
  const message = document.getElementById("message");
  message.textContent = text || "";
  message.className = ok ? "ok" : "";
}

class ApiError extends Error {
  constructor(status, body) {
    super((body && body.message) || "HTTP " + status);
    this.status = status;
    this.name_ = body && body.error;
  }
}

async function api(method, path, body) {
  const headers = { "Accept": "application/json" };
  if (method !== "GET") {
    headers["Content-Type"] = "application/json";
    headers["X-CSRF-Token"] = state.csrf;
  }
  const response = await fetch("/console/api/" + path, {
    method, headers, credentials: "same-origin",
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  let parsed = null;
  try { parsed = await response.json(); } catch (_) { parsed = null; }
  if (response.status === 401) {
    showLogin();
    throw new ApiError(401, parsed);
  }
  if (!response.ok) throw new ApiError(response.status, parsed);
  return parsed;
}

function showLogin() {
  state.csrf = "";
  document.getElementById("nav").hidden = true;
  document.getElementById("view").hidden = true;
  document.getElementById("login").hidden = false;
}

function showApp() {
  document.getElementById("login").hidden = true;
  document.getElementById("nav").hidden = false;
  document.getElementById("view").hidden = false;
}

async function login(event) {
  event.preventDefault();
  const token = document.getElementById("token").value;
  const response = await fetch("/console/login", {
    method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ token }),
  });
  document.getElementById("token").value = "";
  if (!response.ok) {
    say(response.status === 429 ? "Too many refused logins: wait and try again." : "Login refused.");
    return;
  }
  const body = await response.json();
  state.csrf = body.csrf;
  say("");
  showApp();
  if (location.hash === "#/coupons") route(); else location.hash = "#/coupons";
}

async function logout() {
  await fetch("/console/logout", { method: "POST", credentials: "same-origin" });
  say("Logged out.", true);
  showLogin();
}

function view(...children) {
  const section = document.getElementById("view");
  section.replaceChildren(...children);
  return section;
}

function discountText(c) {
  if (c.discount_type === "PERCENTAGE") return c.discount_value + "%";
  if (c.discount_type === "FIXED") return c.discount_value + " " + (c.currency || "");
  return c.discount_type;
}

function statusButton(coupon, after) {
  const suspend = coupon.admin_status === "ACTIVE";
  return el("button", {
    type: "button",
    "data-action": suspend ? "suspend" : "activate",
    onclick: async () => {
      try {
        await api("POST", "coupons/" + coupon.id + "/status", { status: suspend ? "SUSPENDED" : "ACTIVE" });
        say("Coupon " + coupon.code + (suspend ? " suspended." : " activated."), true);
        after();
      } catch (e) { say(e.message); }
    },
  }, suspend ? "Suspend" : "Activate");
}

async function couponsPage() {
  const search = el("input", { id: "search", placeholder: "code prefix", value: state.prefix || "" });
  const table = el("table", { id: "coupons" });
  const load = async () => {
    state.prefix = search.value.trim();
    const page = await api("GET", "coupons?prefix=" + encodeURIComponent(state.prefix));
    table.replaceChildren(
      el("tr", {}, ["Id", "Code", "Name", "Discount", "Status", "Used", "Limit", ""].map(h => el("th", {}, h))),
      ...page.coupons.map(c => el("tr", { "data-code": c.code },
        el("td", {}, c.id),
        el("td", {}, el("a", { href: "#/coupon/" + c.id }, c.code)),
        el("td", {}, c.name),
        el("td", {}, discountText(c)),
        el("td", { class: "status-" + c.admin_status }, c.admin_status),
        el("td", {}, c.current_usage),
        el("td", {}, c.usage_limit === null ? "none" : c.usage_limit),
        el("td", {}, statusButton(c, load)))),
    );
    if (page.coupons.length === 0) table.append(el("tr", {}, el("td", { colspan: "8" }, "No coupons match.")));
  };
  const field = (label, name, attrs) => el("label", {}, label, el("input", Object.assign({ name }, attrs || {})));
  const kind = el("select", { name: "kind" }, el("option", { value: "percent" }, "percent off"), el("option", { value: "amount" }, "fixed amount off"));
  const form = el("form", { id: "create-coupon", class: "grid", onsubmit: async (event) => {
    event.preventDefault();
    const data = new FormData(form);
    const value = String(data.get("value") || "").trim();
    const body = {
      code: data.get("code"), name: data.get("name"), currency: data.get("currency"),
      usage_limit: data.get("usage_limit"), per_customer_limit: data.get("per_customer_limit"),
      min_order: data.get("min_order"), is_public: data.get("is_public") === "on",
      starts_at: isoOf(data.get("starts_at")), ends_at: isoOf(data.get("ends_at")),
    };
    // The decimal string goes to the server as typed: it converts it to
    // minor units (or basis points) exactly, never through a float.
    body[data.get("kind")] = value;
    try {
      const created = await api("POST", "coupons", body);
      say("Created coupon " + created.code + ".", true);
      form.reset();
      load();
    } catch (e) { say(e.message); }
  } },
    field("Code", "code", { required: "" }), field("Name", "name"),
    el("label", {}, "Discount", kind), field("Value", "value", { placeholder: "10 or 5.00", required: "" }),
    field("Currency", "currency", { placeholder: "EUR" }), field("Usage limit", "usage_limit", { inputmode: "numeric" }),
    field("Per customer", "per_customer_limit", { inputmode: "numeric" }), field("Minimum order", "min_order", { placeholder: "20.00" }),
    el("label", {}, "Public (refusals say why)", el("input", { name: "is_public", type: "checkbox" })),
    field("Starts", "starts_at", { type: "datetime-local" }), field("Ends", "ends_at", { type: "datetime-local" }),
    el("button", { type: "submit", class: "primary" }, "Create coupon"));
  view(
    el("h2", {}, "Coupons"),
    el("form", { onsubmit: (e) => { e.preventDefault(); load().catch(err => say(err.message)); } },
      search, " ", el("button", { type: "submit" }, "Search")),
    table,
    el("h3", {}, "New coupon"),
    form,
  );
  await load();
}

// A datetime-local value ("2026-12-24T10:00", the browser's local time) as
// RFC 3339 UTC; empty stays empty.
function isoOf(value) {
  if (!value) return "";
  const date = new Date(value);
  return isNaN(date.getTime()) ? String(value) : date.toISOString().replace(/\.000Z$/, "Z");
}

function usageChart(days) {
  const height = 160, barWidth = 28, gap = 12, top = 18, bottom = 28;
  const width = Math.max(320, days.length * (barWidth + gap) + gap);
  const max = Math.max(1, ...days.map(d => d.redemptions));
  const total = days.reduce((sum, d) => sum + d.redemptions, 0);
  const chart = svg("svg", {
    id: "usage-chart", class: "chart", width, height, viewBox: "0 0 " + width + " " + height,
    role: "img", "aria-label": "redemptions per day", "data-total": total,
  });
  days.forEach((d, i) => {
    const x = gap + i * (barWidth + gap);
    const h = Math.round((height - top - bottom) * d.redemptions / max);
    const y = height - bottom - h;
    const bar = svg("rect", { class: "bar", x, y, width: barWidth, height: h, "data-date": d.date, "data-redemptions": d.redemptions });
    bar.append(svg("title", {}, d.date + ": " + d.redemptions + " redemptions, " + d.revenue));
    chart.append(bar);
    chart.append(svg("text", { x: x + barWidth / 2, y: y - 4, "text-anchor": "middle", class: "count" }, d.redemptions));
    chart.append(svg("text", { x: x + barWidth / 2, y: height - 10, "text-anchor": "middle" }, d.date.slice(5)));
  });
  if (days.length === 0) chart.append(svg("text", { x: 10, y: height / 2 }, "no redemptions yet"));
  return chart;
}

function figures(pairs) {
  return el("div", { class: "figures" }, pairs.map(([label, value]) => el("div", {}, el("b", {}, value === null ? "-" : value), label)));
}

async function couponPage(id) {
  const [coupon, analytics, redemptions] = await Promise.all([
    api("GET", "coupons/" + id), api("GET", "coupons/" + id + "/analytics"), api("GET", "coupons/" + id + "/redemptions"),
  ]);
  const m = analytics.metrics;
  view(
    el("h2", {}, "Coupon " + coupon.code + " ", el("span", { id: "coupon-status", class: "status-" + coupon.admin_status }, coupon.admin_status)),
    el("p", {}, discountText(coupon), " · used ", coupon.current_usage, " of ", coupon.usage_limit === null ? "unlimited" : coupon.usage_limit,
      " · ", statusButton(coupon, () => couponPage(id))),
    figures([["views", m.total_views], ["redemptions", m.total_redemptions], ["reversed", m.total_reversed],
      ["revenue", m.total_revenue], ["discount given", m.total_discount], ["conversion", m.conversion_rate],
      ["average order", m.average_order_value], ["ROI", m.roi]]),
    el("h3", {}, "Redemptions per day"),
    usageChart(analytics.usage_timeline),
    el("h3", {}, "Top products"),
    el("table", { id: "top-products" }, el("tr", {}, el("th", {}, "Product"), el("th", {}, "Redemptions"), el("th", {}, "Revenue")),
      analytics.top_products.map(p => el("tr", {}, el("td", {}, p.product_id), el("td", {}, p.redemptions), el("td", {}, p.revenue)))),
    el("h3", {}, "Redemptions"),
    el("table", { id: "redemptions" }, el("tr", {}, ["Id", "Order", "Customer", "Status", "Discount", "Final", "When"].map(h => el("th", {}, h))),
      redemptions.redemptions.map(r => el("tr", {}, el("td", {}, r.id), el("td", {}, r.order_id), el("td", {}, r.customer_id),
        el("td", {}, r.status), el("td", {}, r.discount_amount), el("td", {}, r.final_amount), el("td", {}, r.created_at)))),
  );
}

const MOVES = [["ACTIVE", "Activate"], ["PAUSED", "Pause"], ["COMPLETED", "Complete"], ["CANCELLED", "Cancel"]];

async function campaignsPage() {
  const page = await api("GET", "campaigns");
  const rows = page.campaigns.map(c => {
    const target = c.generation_target || 0, made = c.total_coupons_generated || 0;
    const share = target > 0 ? Math.min(100, Math.floor(made * 100 / target)) : 100;
    return el("tr", {},
      el("td", {}, c.id), el("td", {}, el("a", { href: "#/campaign/" + c.id }, c.name)), el("td", {}, c.campaign_type),
      el("td", { class: "status-" + c.status }, c.status),
      el("td", {}, el("span", { class: "progress", title: made + " of " + target }, progressBar(share)), " ", made + " / " + target),
      el("td", {}, c.redemptions),
      el("td", {}, MOVES.filter(([s]) => s !== c.status).map(([status, label]) => el("button", { type: "button", onclick: async () => {
        try { await api("POST", "campaigns/" + c.id + "/status", { status }); say("Campaign " + c.name + ": " + status, true); campaignsPage(); }
        catch (e) { say(e.message); }
      } }, label))));
  });
  view(el("h2", {}, "Campaigns"),
    el("table", { id: "campaigns" }, el("tr", {}, ["Id", "Name", "Type", "Status", "Codes generated", "Redemptions", "Lifecycle"].map(h => el("th", {}, h))), rows),
    page.campaigns.length === 0 ? el("p", { class: "hint" }, "No campaigns yet (couponsd campaign create).") : null);
}

function progressBar(share) {
  const bar = el("span", {});
  bar.style.width = share + "%";
  return bar;
}

async function campaignPage(id) {
  const [c, analytics] = await Promise.all([api("GET", "campaigns/" + id), api("GET", "campaigns/" + id + "/analytics")]);
  const m = analytics.metrics;
  view(el("h2", {}, "Campaign " + c.name + " ", el("span", { class: "status-" + c.status }, c.status)),
    figures([["codes generated", m.coupons_generated], ["distributed", m.coupons_distributed], ["redeemed", m.coupons_redeemed],
      ["redemption rate", m.redemption_rate], ["revenue", m.total_revenue], ["discount given", m.total_discount],
      ["budget used", c.budget_used], ["ROI", m.roi]]));
}

async function fraudPage() {
  const r = await api("GET", "fraud?days=30");
  const s = r.summary;
  view(el("h2", {}, "Fraud report, last 30 days"),
    figures([["attempts", s.total_attempts], ["blocked", s.blocked], ["flagged", s.flagged], ["fraud rate", s.fraud_rate],
      ["savings", Object.entries(s.estimated_savings).map(([cur, a]) => a + " " + cur).join(", ") || "0"]]),
    el("h3", {}, "Patterns"),
    el("table", { id: "patterns" }, el("tr", {}, ["Pattern", "Occurrences", "Blocked", "What"].map(h => el("th", {}, h))),
      r.patterns.filter(p => p.occurrences > 0).map(p => el("tr", {}, el("td", {}, p.type), el("td", {}, p.occurrences), el("td", {}, p.blocked), el("td", {}, p.description)))),
    el("h3", {}, "High-risk coupons"),
    el("table", { id: "high-risk" }, el("tr", {}, ["Coupon", "Code", "Attempts", "Blocked", "Mean score"].map(h => el("th", {}, h))),
      r.high_risk_coupons.map(c => el("tr", {}, el("td", {}, c.coupon_id), el("td", {}, c.code), el("td", {}, c.attempts), el("td", {}, c.blocked), el("td", {}, c.risk_score)))));
}

async function clusterPage() {
  const [s, overview] = await Promise.all([api("GET", "cluster"), api("GET", "overview")]);
  view(el("h2", {}, "Cluster " + s.cluster_id),
    figures([["this node", s.node_id], ["role", s.role], ["term", s.term], ["leader", s.leader_id], ["applied", s.applied_index],
      ["committed", s.committed_index], ["coupons", overview.coupons], ["campaigns", overview.campaigns]]),
    el("h3", {}, "Members"),
    el("table", { id: "members" }, el("tr", {}, ["Node", "Address", "Voter", "Lag (entries)", "Last contact (ms)"].map(h => el("th", {}, h))),
      s.members.map(m => el("tr", {}, el("td", {}, m.node_id), el("td", {}, m.addr), el("td", {}, m.voter ? "voter" : "learner"),
        el("td", {}, m.lag_entries), el("td", {}, m.last_contact_ms === null ? "-" : m.last_contact_ms)))));
}

async function route() {
  if (!state.csrf) return;
  const hash = location.hash || "#/coupons";
  const [, page, id] = hash.split("/");
  try {
    if (page === "coupon" && id) await couponPage(id);
    else if (page === "campaigns") await campaignsPage();
    else if (page === "campaign" && id) await campaignPage(id);
    else if (page === "fraud") await fraudPage();
    else if (page === "cluster") await clusterPage();
    else await couponsPage();
  } catch (e) {
    if (e.status !== 401) say(e.message);
  }
}

async function boot() {
  document.getElementById("login-form").addEventListener("submit", login);
  document.getElementById("logout").addEventListener("click", logout);
  window.addEventListener("hashchange", () => { say(""); route(); });
  try {
    const session = await api("GET", "session");
    state.csrf = session.csrf;
    showApp();
    route();
  } catch (_) {
    showLogin();
  }
}

boot();
