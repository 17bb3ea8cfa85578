/* The options page: API URL, key, draft timeout and custom adapters in chrome.storage.local, plus a
 * connection test that tells apart "unreachable", "wrong URL", "wrong key" and "ok". */
"use strict";

const FIELDS = ["apiUrl", "apiKey", "draftTimeoutSec", "adaptersJson"];
const DEFAULT_TIMEOUT = 90;
const $ = (id) => document.getElementById(id);
const EXAMPLE = [{
  name: "my shop",
  match: { hosts: ["shop.example.com", "*.shop.example.com"] },
  review: ".review",
  text: ".review-body",
  rating: { selector: ".stars", attr: "data-rating" },
  author: ".review-author",
  id: { attr: "data-id" },
  replyBox: "textarea.reply",
}];

const MESSAGES = {
  unauthorized: "Wrong key: the service refused this API key.",
  unreachable: "Unreachable: nothing answered at this address. Is the service running, and is the URL right?",
  wrong_url: "Wrong URL: something answered, but it is not the review assistant's API.",
  service_down: "Service down: the service answered but is not healthy (503). Try again shortly.",
  timeout: "Timed out: the service did not answer in time.",
  not_configured: "Enter the API URL and key first.",
};

function show(node, text, kind) {
  node.hidden = !text;
  node.textContent = text || "";
  node.dataset.kind = kind || "";
}

function form() {
  return {
    apiUrl: $("apiUrl").value.trim(),
    apiKey: $("apiKey").value.trim(),
    draftTimeoutSec: Math.min(600, Math.max(1, parseInt($("draftTimeoutSec").value, 10) || DEFAULT_TIMEOUT)),
    adaptersJson: $("adaptersJson").value,
  };
}

function urlProblem(url) {
  if (!url) return "Enter the API URL.";
  try {
    const parsed = new URL(/^https?:\/\//i.test(url) ? url : `http://${url}`);
    if (!["http:", "https:"].includes(parsed.protocol)) return "The API URL must start with http:// or https://.";
  } catch (e) {
    return "The API URL is not a valid address.";
  }
  return "";
}

async function load() {
  const stored = await chrome.storage.local.get(FIELDS);
  $("apiUrl").value = stored.apiUrl || "";
  $("apiKey").value = stored.apiKey || "";
  $("draftTimeoutSec").value = stored.draftTimeoutSec || DEFAULT_TIMEOUT;
  $("adaptersJson").value = stored.adaptersJson || "";
  $("shipped").textContent = JSON.stringify(ReviewAdapters.SHIPPED, null, 2);
}

async function save(event) {
  event.preventDefault();
  const values = form();
  const parsed = ReviewAdapters.parseAdapters(values.adaptersJson);
  show($("adaptersError"), parsed.error ? `Adapters not saved: ${parsed.error}` : "", "error");
  const badUrl = values.apiUrl ? urlProblem(values.apiUrl) : "";
  if (parsed.error || badUrl) {
    show($("result"), badUrl || "Nothing saved: fix the adapters first.", "error");
    return;
  }
  await chrome.storage.local.set(values);
  show($("result"), "Saved. Reload open review pages to use the new settings.", "ok");
}

async function test() {
  const values = form();
  const badUrl = urlProblem(values.apiUrl);
  if (badUrl) return show($("result"), badUrl, "error");
  show($("result"), "Testing…", "busy");
  const result = await chrome.runtime.sendMessage({ op: "testConnection", cfg: values });
  if (result && result.ok) {
    const model = result.data.model ? `, model ${result.data.model}` : "";
    return show($("result"), `Connected: the service is up${model}, and the key is accepted.`, "ok");
  }
  const error = (result && result.error) || { kind: "extension_error", detail: "no answer from the extension" };
  const text = error.kind === "forbidden" ? `Connected, but: ${error.detail}` : MESSAGES[error.kind];
  show($("result"), text || [error.title, error.detail].filter(Boolean).join(": "), "error");
  $("result").dataset.error = error.kind;
}

$("settings").addEventListener("submit", save);
$("test").addEventListener("click", test);
$("reveal").addEventListener("click", () => {
  const input = $("apiKey");
  input.type = input.type === "password" ? "text" : "password";
  $("reveal").textContent = input.type === "password" ? "Show" : "Hide";
});
$("example").addEventListener("click", () => {
  if (!$("adaptersJson").value.trim()) $("adaptersJson").value = JSON.stringify(EXAMPLE, null, 2);
});
load();
