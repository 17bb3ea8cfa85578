/* The content script: finds reviews (site adapters, then the generic detector in detect.js), puts a "Draft reply"
 * button beside each, and runs the flow ingest → poll → panel → edit / regenerate / approve / copy / insert. It
 * never holds the API key: every call is a named operation answered by the background worker.
 *
 * Insert only fills a box inside or next to the review's card, or one the agent clicked after opening the panel,
 * never a search field or a form elsewhere; the notice names the box it filled.
 */
(function () {
  "use strict";
  if (globalThis.__reviewAssistantLoaded) return; // injected twice (manifest + context menu fallback)
  globalThis.__reviewAssistantLoaded = true;

  const { el, onTrusted } = globalThis.ReviewPanelTools;
  const Detect = globalThis.ReviewDetect;
  const POLL_FIRST_MS = 400;
  const POLL_MAX_MS = 2000;
  const DONE = ["pending_approval", "failed"];
  const EDITABLE = "textarea, input[type='text'], input:not([type]), [contenteditable='true'], [contenteditable='']";

  let config = null;
  let panel = null;
  let active = null; // {review, data, run}
  let clickedBox = null; // a box the agent clicked or typed in after the panel opened
  const buttons = new WeakSet();
  const found = []; // every review given a button (kept in this isolated world only; tests read it)
  const seenIds = new Map(); // review key → its card: a card the page re-rendered gets the button back
  let hint = null;
  // Visible only in the content script's isolated world: page scripts can't reach it.
  globalThis.__reviewAssistant = { found, scanned: 0, get panel() { return panel; }, get hint() { return hint; } };

  const call = (op, args) => chrome.runtime.sendMessage({ op, ...(args || {}) })
    .catch((e) => ({ ok: false, error: { kind: "extension_error", title: "Extension reloaded",
                                          detail: "Reload this page to use the updated extension." } }));
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

  async function ensurePanel() {
    if (panel) return panel;
    const css = await call("css");
    panel = new globalThis.ReviewPanel(css.ok ? css.data : "", {
      save: (text) => save(text),
      regenerate: (instruction) => regenerate(instruction),
      approve: (text, confirmKey) => approve(text, confirmKey),
      copy: (text) => copy(text),
      insert: (text) => insert(text),
      closed: () => { if (active) active.run += 1; },
    });
    return panel;
  }

  // -- plain-language errors ---------------------------------------------------------------------------
  const KIND_TITLES = {
    unauthorized: "Unauthorized: the API key was refused",
    forbidden: "Not allowed for this API key",
    unreachable: "Service unreachable",
    service_down: "Service down",
    timeout: "Timed out",
    not_configured: "Not configured yet",
    wrong_url: "Wrong API URL",
  };

  function showError(error, actions) {
    const shown = { ...error, title: KIND_TITLES[error.kind] || error.title };
    if (error.kind === "not_configured" || error.kind === "unauthorized" || error.kind === "wrong_url") {
      actions = [...(actions || []), ["Open options", () => chrome.runtime.sendMessage({ op: "openOptions" }).catch(() => {})]];
    }
    panel.setError(shown, actions);
  }

  // -- the flow ------------------------------------------------------------------------------------------
  /** The text as it will be sent: a text cut with "…" is expanded first ("More"), and its hash follows. */
  async function resolveText(review) {
    const full = await Detect.expandText(review);
    if (full && full !== review.text) {
      review.text = full;
      review.hashId = Detect.hash([review.author || "", Detect.absoluteDate(review.date), Detect.squash(full)].join("\u0001"));
    }
    return review;
  }
  globalThis.__reviewAssistant.resolveText = resolveText;
  globalThis.__reviewAssistant.rescan = () => scan();

  async function draftFor(review) {
    await ensurePanel();
    if (review.reread) await resolveText(review);
    const run = active && active.review === review ? active.run + 1 : 1;
    active = { review, data: null, run };
    clickedBox = null;
    panel.open({ ...review, source: location.hostname });
    const result = await call("ingest", { review: { text: review.text, rating: review.rating, author: review.author,
                                                    externalId: review.externalId, hashId: review.hashId || null,
                                                    date: review.date || null, url: location.href } });
    if (!current(run)) return;
    if (!result.ok) return showError(result.error, [["Try again", () => draftFor(review)]]);
    if (result.notice) panel.setNotice(result.notice, "warn");
    await follow(result.data, run);
  }

  const current = (run) => active && active.run === run;

  /** Poll the review until it is drafted or failed, backing off; give up after the configured timeout. */
  async function follow(data, run) {
    const deadline = Date.now() + config.draftTimeoutSec * 1000;
    let wait = POLL_FIRST_MS;
    panel.setBusy(data.status === "received" ? "Queued for drafting…" : "Drafting a reply…");
    while (!DONE.includes(data.status)) {
      if (Date.now() > deadline) {
        return showError({ kind: "timeout", title: "Timed out",
                           detail: `No draft after ${config.draftTimeoutSec} s. The service may still be working on review #${data.id}.` },
                         [["Keep waiting", () => follow(data, run)]]);
      }
      await sleep(wait);
      wait = Math.min(wait * 1.5, POLL_MAX_MS);
      if (!current(run)) return;
      const next = await call("review", { id: data.id });
      if (!current(run)) return;
      if (!next.ok) return showError(next.error, [["Try again", () => follow(data, run)]]);
      data = next.data;
      panel.setBusy(data.status === "received" ? "Queued for drafting…" : "Drafting a reply…");
    }
    active.data = data;
    if (data.status === "failed") {
      return showError({ kind: "failed", title: "Drafting failed", detail: data.error || "The service could not draft a reply." },
                       [["Try again", () => retry(data.id, run)]]);
    }
    panel.setError(null);
    panel.setResult(data);
  }

  async function retry(reviewId, run) {
    panel.setError(null);
    panel.setBusy("Asking for another try…");
    const result = await call("retry", { id: reviewId });
    if (!current(run)) return;
    if (!result.ok) return showError(result.error);
    await follow(result.data, run);
  }

  /** Replace the draft in the panel with what the API returned (a DraftOut). */
  function applyDraft(draft, keepText) {
    active.data = { ...active.data, draft };
    panel.setError(null);
    panel.setResult(active.data, keepText);
  }

  async function save(text) {
    if (!active || !active.data || !panel.shown) return false;
    const run = active.run;
    panel.setNotice("");
    panel.setBusy("Saving…");
    const result = await call("edit", { draftId: panel.shown.draftId, text, version: panel.shown.version });
    if (!current(run)) return false;
    if (result.ok) {
      applyDraft(result.data);
      panel.setNotice(`Saved as version ${result.data.version}.`, "ok");
      return true;
    }
    if (result.error.kind === "conflict") await conflict(text, run, result.error);
    else showError(result.error);
    return false;
  }

  /** Someone changed the draft meanwhile: keep the agent's text, say so, offer both ways out. */
  async function conflict(text, run, error) {
    const mine = panel.shown.version;
    const fresh = await call("review", { id: active.data.id });
    if (!current(run)) return;
    if (!fresh.ok) return showError(error);
    active.data = fresh.data;
    const theirs = fresh.data.draft;
    panel.setResult(fresh.data, true);
    panel.textarea.value = text;
    panel.markDirty();
    const who = theirs && theirs.decided_by ? ` (${theirs.status} by ${theirs.decided_by})` : "";
    showError({ kind: "conflict", title: "Conflict: someone else changed this draft",
                detail: `You edited version ${mine}; it is now version ${theirs ? theirs.version : "?"}${who}. Your text is still here.` },
              theirs && theirs.status === "pending"
                ? [["Use their version", () => { panel.setResult(fresh.data); panel.setError(null); }],
                   ["Save mine over it", () => save(panel.textarea.value)]]
                : [["Show their version", () => { panel.setResult(fresh.data); panel.setError(null); }]]);
  }

  async function regenerate(instruction) {
    if (!panel.shown) return;
    const run = active.run;
    panel.setNotice("");
    panel.setBusy(instruction ? `Rewriting: “${instruction}”…` : "Writing another version…");
    const result = await call("regenerate", { draftId: panel.shown.draftId, instruction });
    if (!current(run)) return;
    if (!result.ok) return showError(result.error);
    applyDraft(result.data);
    panel.instruction.value = "";
    panel.setNotice(`New version ${result.data.version}.`, "ok");
  }

  const confirmKeyOf = (draft) => `${draft.id}:${draft.version}`;

  /** Approve the draft shown. Unsaved edits are saved first; a draft with guard issues needs the agent's explicit
   * confirmation of exactly this version (the panel asks, naming the issues). */
  async function approve(text, confirmKey) {
    if (!panel.shown) return;
    const run = active.run;
    if (panel.isDirty && !(await save(text))) return;
    const draft = active.data && active.data.draft;
    if (!draft || draft.id !== panel.shown.draftId) return;
    const issues = panel.issueNames(draft);
    if (issues.length && confirmKey !== confirmKeyOf(draft)) {
      panel.setNotice("");
      panel.askConfirm(issues, confirmKeyOf(draft));
      return;
    }
    panel.setBusy("Approving…");
    // the service asks for the same confirmation, naming the flags the agent was shown (states.confirmation)
    const confirm = issues.length ? [...(draft.flags || [])].sort().join(",") : null;
    const result = await call("approve", { draftId: panel.shown.draftId, version: panel.shown.version, confirm });
    if (!current(run)) return;
    if (!result.ok) {
      if (result.error.kind === "conflict") return conflict(panel.textarea.value, run, result.error);
      return showError(result.error);
    }
    applyDraft(result.data);
    panel.setNotice("Approved. Insert it into the reply box and publish it on the page.", "ok");
  }

  async function copy(text) {
    try {
      await navigator.clipboard.writeText(text);
    } catch (e) {
      // http pages have no async clipboard: copy from a hidden textarea inside our shadow root.
      const scratch = el("textarea", { style: "position:fixed;opacity:0;top:0;left:0" });
      scratch.value = text;
      panel.root.append(scratch);
      scratch.select();
      const ok = document.execCommand("copy");
      scratch.remove();
      if (!ok) return panel.setNotice("Could not copy: select the text and press Ctrl+C.", "warn");
    }
    panel.setNotice("Copied to the clipboard.", "ok");
  }

  // -- inserting into the page's reply box --------------------------------------------------------------
  /** The review's own box (inside or next to its card), else one the agent clicked after the panel opened. */
  function replyBoxFor(review) {
    const own = review && review.replyBox ? review.replyBox() : null;
    if (own) return { box: own, where: "next to this review" };
    if (clickedBox && clickedBox.isConnected && Detect.isReplyBox(clickedBox)) return { box: clickedBox, where: "you clicked" };
    return null;
  }

  /** Set the value the way a user would, so React/Vue/Angular state notices (input + change events). */
  function fill(box, text) {
    box.focus();
    if (box.isContentEditable) {
      const range = document.createRange();
      range.selectNodeContents(box);
      const selection = getSelection();
      selection.removeAllRanges();
      selection.addRange(range);
      // insertText goes through the editor's own input pipeline (beforeinput/input) where it exists.
      if (!document.execCommand("insertText", false, text) || box.textContent !== text) {
        box.textContent = text;
        box.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertText", data: text }));
      }
    } else {
      const proto = box instanceof HTMLTextAreaElement ? HTMLTextAreaElement.prototype : HTMLInputElement.prototype;
      Object.getOwnPropertyDescriptor(proto, "value").set.call(box, text);
      box.dispatchEvent(new InputEvent("input", { bubbles: true, inputType: "insertReplacementText", data: text }));
    }
    box.dispatchEvent(new Event("change", { bubbles: true }));
  }

  function insert(text) {
    const found = replyBoxFor(active && active.review);
    if (!found) {
      return panel.setNotice("No reply box next to this review. Click into the platform's reply box, then Insert again, or use Copy.", "warn");
    }
    const { box, where } = found;
    fill(box, text);
    box.scrollIntoView({ block: "center", behavior: "smooth" });
    const name = Detect.boxName(box);
    panel.setNotice(`Inserted into the box ${where}${name ? `: “${name}”` : ""}. Check it and publish it on the page.`, "ok");
  }

  // Only real presses and typing count (a page can focus() a field but can't fake a trusted pointer or key event).
  const noteBox = (event) => {
    if (!event.isTrusted || !panel || !active) return;
    const target = event.composedPath ? event.composedPath()[0] : event.target;
    if (!(target instanceof Element) || target.closest("review-assistant-panel")) return;
    const box = target.closest(EDITABLE);
    if (box && Detect.isReplyBox(box)) clickedBox = box;
  };
  document.addEventListener("pointerdown", noteBox, true);
  document.addEventListener("keydown", noteBox, true);

  // -- finding reviews and placing buttons --------------------------------------------------------------
  const BUTTON_CSS = ":host{all:initial}button{font:600 13px/1.2 system-ui,sans-serif;color:#fff;background:#2f5bea;" +
    "border:0;border-radius:6px;padding:6px 12px;cursor:pointer}button:hover{background:#2448c0}" +
    "button:focus-visible{outline:2px solid #9db4ff;outline-offset:2px}";

  function addButton(review) {
    const display = review.anchorEl ? "inline-block" : "block"; // own line after the text; inline in a toolbar
    const host = el("review-assistant-button", { style: `all: initial !important; display: ${display} !important; width: max-content !important; margin: 6px 0 !important;` });
    const shadow = host.attachShadow({ mode: "closed" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(BUTTON_CSS);
    shadow.adoptedStyleSheets = [sheet];
    const button = el("button", { type: "button", class: "draft-reply", text: "Draft reply", title: `Found by: ${review.adapter}` });
    onTrusted(button, "click", () => draftFor(review));
    shadow.append(button);
    if (review.anchorEl) review.anchorEl.append(host);
    else if (review.textEl && review.textEl !== review.el && review.el.contains(review.textEl)) review.textEl.after(host);
    else review.el.append(host);
  }

  const claimedBy = (claimed, el) => claimed.has(el) || [...claimed].some((c) => c.contains(el) || el.contains(c));

  /** All reviews on the page: custom and site adapters, JSON-LD, microdata, shape adapters, rating blocks. */
  function detect() {
    const claimed = new Set(found.filter((r) => r.el.isConnected).map((r) => r.el)); // cards from earlier scans
    const reviews = [];
    const take = (list) => {
      for (const review of list) {
        if (claimedBy(claimed, review.el)) continue;
        claimed.add(review.el);
        reviews.push(review);
      }
    };
    const adapters = config.adapters.filter((a) => globalThis.ReviewAdapters.appliesTo(a, location));
    const first = adapters.filter((a, i) => i < config.customCount || a.match);
    const later = adapters.filter((a, i) => !(i < config.customCount || a.match));
    const run = (adapter) => {
      try {
        take(globalThis.ReviewAdapters.findReviews(adapter, document, new Set(claimed)));
      } catch (e) {
        // a custom adapter that is valid JSON but fails on this page: skip it, keep the rest
      }
    };
    first.forEach(run);
    const stats = { declared: 0, signals: 0 };
    try {
      const ld = Detect.fromJsonLd(document);
      stats.declared = ld.declared;
      take(ld.reviews);
      take(Detect.fromMicrodata(document));
    } catch (e) { /* a page the detector can't read: adapters and the menu still work */ }
    later.forEach(run);
    try {
      const blocks = Detect.fromRatingBlocks(document, claimed);
      stats.signals = blocks.signals;
      take(blocks.reviews);
    } catch (e) { /* as above */ }
    return { reviews, stats };
  }

  function scan() {
    if (!config) return;
    const { reviews, stats } = detect();
    for (let i = found.length - 1; i >= 0; i--) if (!found[i].el.isConnected) found.splice(i, 1); // re-rendered away
    for (const review of reviews) {
      if (buttons.has(review.el)) continue;
      // The same review found twice (a voting widget or a second list reusing its id): one button.
      const key = review.externalId ? `id:${review.externalId}` : `hash:${review.hashId || review.text}`;
      const before = seenIds.get(key);
      if (before && before !== review.el && before.isConnected) continue;
      seenIds.set(key, review.el);
      buttons.add(review.el);
      if (!review.replyBox) {
        const card = review.el;
        review.replyBox = () => Detect.replyBoxNear(card, null, (s) => buttons.has(s));
      }
      addButton(review);
      found.push(review);
    }
    if (found.length) hideHint();
    else if (Detect.looksLikeReviewPage(document, stats)) showHint();
    globalThis.__reviewAssistant.scanned += 1;
  }

  /** A page that looks like a review page where nothing matched: say how to go on. */
  function showHint() {
    let closedHere = false;
    try { closedHere = sessionStorage.getItem("review-assistant-hint-closed") === location.pathname; } catch (e) { /* sandboxed page */ }
    if (hint || closedHere) return;
    hint = el("review-assistant-hint", { style: "all: initial !important; display: block !important; position: fixed !important; bottom: 16px !important; right: 16px !important; z-index: 2147483646 !important; max-width: 360px !important;" });
    const shadow = hint.attachShadow({ mode: "closed" });
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(":host{all:initial}div{font:13px/1.4 system-ui,sans-serif;color:#1f2328;background:#fff8c5;border:1px solid #d4a72c;" +
      "border-radius:8px;padding:10px 32px 10px 12px;box-shadow:0 2px 8px rgba(0,0,0,.15);position:relative}" +
      "button{position:absolute;top:4px;right:6px;border:0;background:none;font-size:16px;cursor:pointer}");
    shadow.adoptedStyleSheets = [sheet];
    const text = "Reply assistant: no reviews recognized on this page. Select the review's text, right-click and choose “Draft reply for selected review”.";
    const close = el("button", { type: "button", text: "×", title: "Close", "aria-label": "Close" });
    onTrusted(close, "click", () => {
      try { sessionStorage.setItem("review-assistant-hint-closed", location.pathname); } catch (e) { /* sandboxed page */ }
      hideHint();
    });
    shadow.append(el("div", { role: "status", class: "hint", text }, close));
    hint.dataset.text = "";
    globalThis.__reviewAssistant.hintText = text;
    document.documentElement.append(hint);
  }

  function hideHint() {
    if (hint) hint.remove();
    hint = null;
  }

  let scanTimer = null;
  function scheduleScan() {
    if (scanTimer) return;
    scanTimer = setTimeout(() => { scanTimer = null; try { scan(); } catch (e) { /* never break the page */ } }, 300);
  }

  // -- the context menu: "Draft reply for selected review" ----------------------------------------------
  chrome.runtime.onMessage.addListener((msg, sender) => {
    if (sender.id !== chrome.runtime.id || !msg || msg.op !== "draftSelection") return false;
    const selection = getSelection();
    const text = (selection && selection.toString().trim()) || msg.text;
    if (!text) return false;
    const node = selection && selection.rangeCount ? selection.getRangeAt(0).commonAncestorContainer : null;
    draftFor({ text, rating: null, author: null, externalId: null, adapter: "selection",
               replyBox: () => nearestEditable(node) });
    return false;
  });

  /** For a selection: a reply box close to it (a few ancestors up), never a search, question or contact form. */
  function nearestEditable(node) {
    let scope = node && (node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement);
    for (let depth = 0; scope && scope !== document.body && depth < 3; depth++, scope = scope.parentElement) {
      const box = Detect.replyBoxNear(scope, null, null);
      if (box) return box;
    }
    return null;
  }

  (async () => {
    const result = await call("config");
    if (!result.ok) return;
    config = result.data;
    try { scan(); } catch (e) { /* never break the page */ }
    new MutationObserver((mutations) => {
      if (mutations.some((m) => [...m.addedNodes].some((n) => n.nodeType === 1 && !/^REVIEW-ASSISTANT-/.test(n.nodeName)))) scheduleScan();
    }).observe(document.documentElement, { childList: true, subtree: true });
  })();
})();
