/* The service worker: the only place that holds the API key and talks to the service.
 *
 * Content scripts and the options page send it named operations (never a raw URL), it calls the API with
 * the key from chrome.storage.local and answers {ok, status, data} or {ok: false, error: {kind, title, detail}}.
 * host_permissions let it reach the service without CORS, so the page never sees the key or the traffic.
 */
"use strict";

importScripts("adapters.js");

const DEFAULTS = { apiUrl: "", apiKey: "", adaptersJson: "", draftTimeoutSec: 90 };
const REQUEST_TIMEOUT_MS = 20000;
const MENU_ID = "draft-selected-review";

// Keep the key away from content scripts: only extension pages and this worker may read storage.local.
chrome.storage.local.setAccessLevel?.({ accessLevel: "TRUSTED_CONTEXTS" }).catch(() => {});

async function settings() {
  return { ...DEFAULTS, ...(await chrome.storage.local.get(Object.keys(DEFAULTS))) };
}

/** "https://host/", "https://host/api/v1" and "host:8000" all mean the same service root. */
function serviceRoot(url) {
  let root = (url || "").trim();
  if (root && !/^https?:\/\//i.test(root)) root = "http://" + root;
  return root.replace(/\/+$/, "").replace(/\/api\/v1$/i, "");
}

function problem(kind, title, detail, extra) {
  return { ok: false, error: { kind, title, detail, ...(extra || {}) } };
}

async function callApi(method, path, body, opts = {}) {
  const cfg = opts.cfg || (await settings());
  if (!cfg.apiUrl || (!cfg.apiKey && !opts.anonymous)) {
    return problem("not_configured", "Not configured", "Set the API URL and key in the extension's options.");
  }
  const headers = { Accept: "application/json" };
  if (!opts.anonymous) headers.Authorization = `Bearer ${cfg.apiKey}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  let response;
  try {
    response = await fetch(serviceRoot(cfg.apiUrl) + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(opts.timeoutMs || REQUEST_TIMEOUT_MS), credentials: "omit", cache: "no-store",
    });
  } catch (e) {
    if (e && (e.name === "TimeoutError" || e.name === "AbortError")) {
      return problem("timeout", "Timed out", "The service did not answer in time.");
    }
    return problem("unreachable", "Service unreachable", `Could not connect to ${serviceRoot(cfg.apiUrl)}.`);
  }
  let data = null;
  const text = await response.text().catch(() => "");
  try {
    data = text ? JSON.parse(text) : null;
  } catch (e) {
    data = undefined; // not JSON: not our service
  }
  if (response.ok) {
    if (data === undefined || data === null) {
      return problem("wrong_url", "Wrong URL", "The address answered, but not like the review assistant (no JSON).");
    }
    return { ok: true, status: response.status, data };
  }
  const isProblem = data && typeof data === "object" && ("title" in data || "detail" in data);
  const title = isProblem ? String(data.title || "") : "";
  const detail = isProblem ? String(data.detail || "") : "";
  const extra = isProblem ? { status: response.status, reviewId: data.review_id ?? data.extra?.review_id ?? null,
                              fields: data.extra && Array.isArray(data.extra) ? data.extra : null } : { status: response.status };
  switch (response.status) {
    case 401:
      return problem("unauthorized", "Unauthorized", "The API key was refused. Check it in the extension's options.", extra);
    case 403:
      return problem("forbidden", "Not allowed", detail || "This API key lacks the permission for this action.", extra);
    case 404:
      if (!isProblem) return problem("wrong_url", "Wrong URL", `Nothing like the review assistant at ${serviceRoot(cfg.apiUrl)}.`, extra);
      return problem("not_found", title || "Not found", detail, extra);
    case 409:
      return problem("conflict", title || "Conflict", detail, extra);
    case 502: case 503: case 504:
      return problem("service_down", "Service down", detail || `The service answered ${response.status}; try again shortly.`, extra);
    default:
      if (response.status >= 500) return problem("server_error", title || "Server error", detail || `HTTP ${response.status}`, extra);
      return problem("validation", title || `HTTP ${response.status}`, detail, extra);
  }
}

async function sha256Hex(text) {
  const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/** The page's id for the review, else the page URL (no fragment) + a hash of author, date and text (the content
 * script's hashId), else of the text alone (a selection): pressing twice finds the same review. */
async function externalId(review) {
  if (review.externalId) return String(review.externalId).slice(0, 300);
  const url = new URL(review.url);
  url.hash = "";
  let page = url.href;
  if (page.length > 250) page = "sha256:" + (await sha256Hex(page)).slice(0, 32);
  if (typeof review.hashId === "string" && /^[0-9a-f]{16}$/.test(review.hashId)) return `${page}#${review.hashId}`;
  const squashed = review.text.replace(/\s+/g, " ").trim();
  return `${page}#${(await sha256Hex(squashed)).slice(0, 16)}`;
}

/** A page date the API can take as created_at: ISO dates only (2024-03-03, 2024-03-03T10:00:00Z), sane years. */
function createdAt(date) {
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.exec(String(date || "").trim());
  if (!m) return null;
  const year = Number(m[1]);
  if (year < 2000 || year > new Date().getUTCFullYear() + 1) return null;
  const iso = `${m[1]}-${m[2]}-${m[3]}T${m[4] || "00"}:${m[5] || "00"}:${m[6] || "00"}${m[7] ? (m[7] === "Z" ? "Z" : m[7].replace(/^([+-]\d{2})(\d{2})$/, "$1:$2")) : "Z"}`;
  const parsed = new Date(iso);
  if (Number.isNaN(parsed.getTime()) || parsed.getTime() > Date.now() + 86400000) return null;
  return iso;
}

async function ingest(review) {
  const text = String(review.text || "").trim().slice(0, 20000);
  const body = { text, source: (new URL(review.url).hostname || "local").slice(0, 100),
                 external_id: await externalId({ ...review, text }), url: String(review.url).slice(0, 2000) };
  if (Number.isInteger(review.rating) && review.rating >= 1 && review.rating <= 5) body.rating = review.rating;
  if (review.author) body.author = String(review.author).slice(0, 300);
  const created = createdAt(review.date);
  if (created) body.created_at = created;
  const result = await callApi("POST", "/api/v1/reviews", body);
  // The same id with other content (the customer edited the review): show the stored one.
  if (!result.ok && result.error.kind === "conflict" && result.error.reviewId) {
    const stored = await callApi("GET", `/api/v1/reviews/${result.error.reviewId}`);
    if (stored.ok) stored.notice = "This review changed on the page since it was sent; showing the stored version.";
    return stored;
  }
  return result;
}

/** Options page: is the URL our service, is it up, is the key good? */
async function testConnection(cfg) {
  const health = await callApi("GET", "/health", undefined, { cfg, anonymous: true, timeoutMs: 8000 });
  if (!health.ok) {
    if (health.error.kind === "service_down") return problem("service_down", "Service down", "The service is up but its database is not (503 on /health).");
    if (health.error.kind === "not_found" || health.error.kind === "validation") return problem("wrong_url", "Wrong URL", "No /health endpoint of the review assistant there.");
    return health;
  }
  if (!health.data || health.data.status !== "ok") return problem("wrong_url", "Wrong URL", "The address answered /health, but not like the review assistant.");
  const drafts = await callApi("GET", "/api/v1/drafts?limit=1", undefined, { cfg, timeoutMs: 8000 });
  if (!drafts.ok) {
    if (drafts.error.kind === "not_found") return problem("wrong_url", "Wrong URL", "The service has no /api/v1 here.");
    if (drafts.error.kind === "unauthorized") return problem("unauthorized", "Wrong key", "The service refused this API key.");
    if (drafts.error.kind === "forbidden") return problem("forbidden", "Missing scope", "The key can't work the draft queue: it needs the agent scope.");
    return drafts;
  }
  // Review 0 never exists: 404 means the key may send reviews, 403 means it lacks the ingest scope.
  const ingest = await callApi("GET", "/api/v1/reviews/0", undefined, { cfg, timeoutMs: 8000 });
  if (!ingest.ok && ingest.error.kind === "forbidden") {
    return problem("forbidden", "Missing scope", "The key can't send reviews: it needs the ingest scope too.");
  }
  return { ok: true, data: { model: health.data.llm || "", queued: drafts.data.total } };
}

const OPERATIONS = {
  config: async () => {
    const cfg = await settings();
    const custom = ReviewAdapters.parseAdapters(cfg.adaptersJson);
    return { ok: true, data: { configured: Boolean(cfg.apiUrl && cfg.apiKey), adapters: [...(custom.adapters || []), ...ReviewAdapters.SHIPPED],
                               customCount: (custom.adapters || []).length,
                               draftTimeoutSec: Number(cfg.draftTimeoutSec) || DEFAULTS.draftTimeoutSec } };
  },
  css: async () => ({ ok: true, data: await (await fetch(chrome.runtime.getURL("panel.css"))).text() }),
  ingest: (msg) => ingest(msg.review),
  review: (msg) => callApi("GET", `/api/v1/reviews/${Number(msg.id)}`),
  retry: (msg) => callApi("POST", `/api/v1/reviews/${Number(msg.id)}/retry`),
  edit: (msg) => callApi("PATCH", `/api/v1/drafts/${Number(msg.draftId)}`, { text: String(msg.text), version: Number(msg.version) }),
  regenerate: (msg) => callApi("POST", `/api/v1/drafts/${Number(msg.draftId)}/regenerate`, msg.instruction ? { instruction: String(msg.instruction).slice(0, 500) } : {}),
  approve: (msg) =>
    callApi("POST", `/api/v1/drafts/${Number(msg.draftId)}/approve`, {
      version: Number(msg.version),
      ...(typeof msg.confirm === "string" ? { confirm: msg.confirm } : {}),
    }),
  openOptions: async () => { await chrome.runtime.openOptionsPage(); return { ok: true, data: null }; },
};
const PAGE_ONLY_FOR_EXTENSION = { testConnection: (msg) => testConnection(msg.cfg) };

chrome.runtime.onMessage.addListener((msg, sender, reply) => {
  if (sender.id !== chrome.runtime.id || !msg || typeof msg.op !== "string") return false;
  // Content scripts report the page's URL; only our own pages (options) have the extension's origin.
  const fromExtensionPage = Boolean(sender.url && sender.url.startsWith(chrome.runtime.getURL("")));
  const handler = Object.hasOwn(OPERATIONS, msg.op) ? OPERATIONS[msg.op]
    : fromExtensionPage && Object.hasOwn(PAGE_ONLY_FOR_EXTENSION, msg.op) ? PAGE_ONLY_FOR_EXTENSION[msg.op] : null;
  if (!handler) return false;
  Promise.resolve()
    .then(() => handler(msg))
    .catch((e) => problem("extension_error", "Extension error", String(e && e.message ? e.message : e)))
    .then(reply);
  return true; // answer asynchronously
});

chrome.runtime.onInstalled.addListener(() => {
  chrome.contextMenus.create({ id: MENU_ID, title: "Draft reply for selected review", contexts: ["selection"] }, () => void chrome.runtime.lastError);
});

/** "Draft reply for selected review": hand the selection to the tab's content script. */
async function onContextMenuClicked(info, tab) {
  if (info.menuItemId !== MENU_ID || !tab || tab.id === undefined) return;
  const message = { op: "draftSelection", text: info.selectionText || "" };
  const target = { frameId: info.frameId || 0 };
  try {
    await chrome.tabs.sendMessage(tab.id, message, target);
  } catch (e) {
    // A tab opened before the extension was installed has no content script yet: add it, then ask again.
    await chrome.scripting.executeScript({ target: { tabId: tab.id, frameIds: [target.frameId] }, files: ["adapters.js", "detect.js", "panel.js", "content.js"] });
    await chrome.tabs.sendMessage(tab.id, message, target);
  }
}
chrome.contextMenus.onClicked.addListener(onContextMenuClicked);

chrome.action.onClicked.addListener(() => chrome.runtime.openOptionsPage());
