/* The queue's keyboard and safety net. Loaded as a file (CSP: no inline scripts); every page works without it.
 *
 * - Keyboard: j/k move, o/Enter open, x select, a approve, e edit, r reject, g regenerate, c claim, u up, ? help,
 *   h handled (no public reply), z undo. Keys act only when the focus is not in a text field, and `a` never
 *   approves text that is not saved yet (a stray keystroke in the editor must not be published).
 * - Unsaved text is kept in localStorage per draft until the server confirms it, and offered back after a
 *   reload, an expired session or a crash; a restored older text keeps its old version, so saving it turns
 *   into a conflict showing the newer text instead of overwriting it.
 */
(function () {
  "use strict";

  const STORE = "rra:draft:";
  const STORE_DAYS = 7;
  let leaveArmedUntil = 0;
  let submitting = false;

  const $ = (sel, root) => (root || document).querySelector(sel);
  const $$ = (sel, root) => Array.from((root || document).querySelectorAll(sel));
  const page = () => document.body.dataset.page;

  function typing(target) {
    if (!target) return false;
    if (target.tagName === "INPUT") return !/^(checkbox|radio|button|submit|reset)$/.test(target.type);
    return target.isContentEditable || /^(TEXTAREA|SELECT)$/.test(target.tagName);
  }

  function notify(text, kind) {
    const box = $("#flashes");
    if (!box) return;
    const div = document.createElement("div");
    div.className = "flash flash-" + (kind || "info");
    div.setAttribute("role", "status");
    div.textContent = text;
    box.replaceChildren(div);
  }

  // -- CSRF for htmx requests (forms also carry the hidden field) ------------------------------------
  document.addEventListener("htmx:configRequest", (event) => {
    const meta = document.querySelector('meta[name="csrf-token"]');
    if (meta && meta.content) event.detail.headers["X-CSRFToken"] = meta.content;
  });

  document.addEventListener("htmx:responseError", (event) => {
    const status = event.detail.xhr ? event.detail.xhr.status : 0;
    const text = status === 403 ? "Not allowed (the form may have expired): reload the page and try again."
      : "The request failed (" + status + "). Your text is kept in this browser; try again.";
    notify(text, "danger");
    setBusy(false);
  });
  document.addEventListener("htmx:sendError", () => {
    notify("Can't reach the server. Your text is kept in this browser; try again in a moment.", "danger");
    setBusy(false);
  });

  // -- help dialog ----------------------------------------------------------------------------------
  function toggleHelp() {
    const dialog = $("#help");
    if (!dialog) return;
    if (dialog.open) dialog.close(); else dialog.showModal();
  }
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-help-open]")) toggleHelp();
  });

  // -- queue page -----------------------------------------------------------------------------------
  function rows() { return $$("table.queue tbody tr[data-href]"); }

  function currentIndex() { return rows().findIndex((r) => r.classList.contains("is-current")); }

  function setCurrent(index) {
    const all = rows();
    if (!all.length) return;
    const i = Math.max(0, Math.min(all.length - 1, index));
    all.forEach((r, n) => r.classList.toggle("is-current", n === i));
    all[i].scrollIntoView({ block: "nearest" });
  }

  function openRow(row) {
    if (!row) return;
    sessionStorage.setItem("rra:lastDraft", row.dataset.draftId);
    window.location.assign(row.dataset.href);
  }

  function updateSelection() {
    const count = $$('input[name="ids"]:checked').length;
    const label = $("[data-selected-count]");
    if (label) label.textContent = count ? count + " selected" : "";
  }

  function initQueue() {
    const all = rows();
    if (!all.length) return;
    const last = sessionStorage.getItem("rra:lastDraft");
    const found = all.findIndex((r) => r.dataset.draftId === last);
    setCurrent(found >= 0 ? found : 0);
    updateSelection();
  }

  document.addEventListener("click", (event) => {
    const selectClean = event.target.closest("[data-select-clean]");
    if (selectClean) {
      $$('input[name="ids"][data-clean="yes"]').forEach((box) => { box.checked = true; });
      updateSelection();
      return;
    }
    const row = event.target.closest("table.queue tbody tr[data-href]");
    if (!row || event.target.closest("a, input, button, label")) return;
    openRow(row);
  });
  document.addEventListener("change", (event) => {
    if (event.target.matches('input[name="ids"]')) updateSelection();
  });
  document.addEventListener("click", (event) => {
    const link = event.target.closest("table.queue a.row-link");
    if (link) sessionStorage.setItem("rra:lastDraft", link.closest("tr").dataset.draftId);
  });

  function queueKey(event) {
    const key = event.key;
    if (key === "j" || key === "ArrowDown") { setCurrent(currentIndex() + 1); return true; }
    if (key === "k" || key === "ArrowUp") { setCurrent(currentIndex() - 1); return true; }
    if (key === "o" || key === "Enter" || key === "e" || key === "r" || key === "g") {
      const row = rows()[currentIndex()];
      if (row && key !== "o" && key !== "Enter") sessionStorage.setItem("rra:focus", key);
      openRow(row);
      return true;
    }
    if (key === "x") {
      const row = rows()[currentIndex()];
      const box = row && $('input[name="ids"]', row);
      if (box) { box.checked = !box.checked; updateSelection(); }
      return true;
    }
    if (key === "a" || key === "A") {
      if (!$$('input[name="ids"]:checked').length) {
        notify("Select drafts with x (or “Select clean on page”) first; a approves the selection.", "warning");
      } else {
        const button = $("[data-bulk-approve]");
        if (button) button.click();
      }
      return true;
    }
    if (key === "/") { const first = $("#filters select"); if (first) first.focus(); return true; }
    return false;
  }

  // -- review page: unsaved text never lost ---------------------------------------------------------
  function editor() { return $("#draft-text"); }

  function isDirty() {
    const area = editor();
    return !!area && area.value !== area.dataset.serverText;
  }

  function storeKey(area) { return STORE + area.dataset.draftId; }

  function remember() {
    const area = editor();
    if (!area) return;
    if (isDirty()) {
      const version = $('#draft-form input[name="version"]').value;
      localStorage.setItem(storeKey(area), JSON.stringify({ text: area.value, version: version, at: Date.now() }));
    } else {
      localStorage.removeItem(storeKey(area));
    }
  }

  function forget() {
    const area = editor();
    if (area) localStorage.removeItem(storeKey(area));
  }

  function restore() {
    const area = editor();
    if (!area) return;
    const raw = localStorage.getItem(storeKey(area));
    if (!raw) return;
    let saved;
    try { saved = JSON.parse(raw); } catch (e) { localStorage.removeItem(storeKey(area)); return; }
    if (!saved || typeof saved.text !== "string" || saved.text === area.value) return;
    if ($("#conflict")) return; // the server already put our text back in the editor
    if (saved.text === area.dataset.serverText) { forget(); return; }
    area.value = saved.text;
    const version = $('#draft-form input[name="version"]');
    if (version && saved.version && saved.version !== version.value) version.value = saved.version;
    const note = $("#local-restore");
    if (note) note.hidden = false;
  }

  function pruneStore() {
    const cutoff = Date.now() - STORE_DAYS * 86400000;
    for (let i = localStorage.length - 1; i >= 0; i--) {
      const key = localStorage.key(i);
      if (!key || !key.startsWith(STORE)) continue;
      try { if ((JSON.parse(localStorage.getItem(key)) || {}).at < cutoff) localStorage.removeItem(key); }
      catch (e) { localStorage.removeItem(key); }
    }
  }

  document.addEventListener("input", (event) => {
    if (event.target.id === "draft-text") remember();
  });
  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-discard-local]")) {
      forget();
      submitting = true; // leaving on purpose: no "unsaved changes" prompt
      if (event.target.closest("button")) window.location.reload();
    }
  });
  window.addEventListener("beforeunload", (event) => {
    if (isDirty() && !submitting) { event.preventDefault(); event.returnValue = ""; }
  });

  function setBusy(on) {
    const live = $("#review-live");
    if (live) live.classList.toggle("is-busy", on);
    submitting = on;
  }
  document.addEventListener("htmx:beforeRequest", (event) => {
    if (event.target.closest && event.target.closest("#draft-form")) setBusy(true);
  });
  document.addEventListener("htmx:beforeOnLoad", (event) => {
    const xhr = event.detail.xhr;
    if (xhr && xhr.status < 300 && event.target.closest && event.target.closest("#draft-form")) forget();
  });
  document.addEventListener("htmx:afterSwap", () => {
    submitting = false;
    initReview();
    initQueue();
  });
  document.addEventListener("submit", (event) => {
    if (event.target.id === "draft-form") submitting = true;
  });

  function click(selector) {
    const el = $(selector);
    if (el) { el.click(); return true; }
    return false;
  }

  function leave(selector) {
    const link = $(selector);
    if (!link) return;
    if (isDirty() && Date.now() > leaveArmedUntil) {
      leaveArmedUntil = Date.now() + 4000;
      notify("You have unsaved changes (kept in this browser). Ctrl+Enter saves; press the key again to leave.",
        "warning");
      return;
    }
    submitting = true; // the text stays in localStorage; don't ask twice
    window.location.assign(link.href);
  }

  function reviewKey(event) {
    switch (event.key) {
      case "j": leave("[data-key-next]"); return true;
      case "k": leave("[data-key-prev]"); return true;
      case "u": leave("[data-key-back]"); return true;
      case "e": {
        const area = editor();
        if (area) { area.focus(); area.setSelectionRange(0, 0); area.scrollTop = 0; }
        return true;
      }
      case "a": {
        if (!$('[data-action="approve"]')) {
          notify($("#dne") ? "Do not engage: mark it handled (h), escalate, or draft anyway with a reason."
            : "Nothing to approve here.", "warning");
          return true;
        }
        if (isDirty()) {
          notify("The reply has unsaved changes: save them (Ctrl+Enter) and read it again, or press the Approve button.",
            "warning");
          return true;
        }
        click('[data-action="approve"]');
        return true;
      }
      case "h": {
        const input = $("#handled-reason");
        if (input) {
          const more = input.closest("details");
          if (more) more.open = true;
          input.focus();
        }
        return true;
      }
      case "r": { const input = $("#reject-reason"); if (input) input.focus(); return true; }
      case "g": { const input = $("#regen-instruction"); if (input) input.focus(); return true; }
      case "c": click("[data-key-claim]"); return true;
      default: return false;
    }
  }

  function initReview() {
    if (!editor()) return;
    restore();
    const focus = sessionStorage.getItem("rra:focus");
    if (focus) {
      sessionStorage.removeItem("rra:focus");
      reviewKey({ key: focus === "r" ? "r" : focus === "g" ? "g" : "e" });
    }
  }

  // Enter in the reason / instruction fields means that action, not "save"
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.id === "draft-text" && event.key === "Enter" && (event.ctrlKey || event.metaKey)) {
      event.preventDefault();
      click('[data-action="edit"]');
      return;
    }
    if (event.key === "Enter" && !event.isComposing && target.id === "handled-reason") {
      event.preventDefault();
      if (target.value.trim()) target.form.requestSubmit();
      return;
    }
    if (event.key === "Enter" && !event.isComposing && (target.id === "reject-reason" || target.id === "regen-instruction")) {
      event.preventDefault();
      click(target.id === "reject-reason" ? '[data-action="reject"]' : '[data-action="regenerate"]');
      return;
    }
    if (event.key === "Escape" && typing(target)) { target.blur(); return; }
    if (typing(target) || event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "?") { toggleHelp(); event.preventDefault(); return; }
    if (event.key === "z" && $("[data-undo]")) { event.preventDefault(); $("[data-undo]").click(); return; }
    if ($("#help") && $("#help").open) return;
    if (document.querySelector("#review-live.is-busy")) return;
    const handled = page() === "queue" ? queueKey(event) : page() === "review" ? reviewKey(event) : false;
    if (handled) event.preventDefault();
  });

  // -- undo bar: counts down, then goes (the server refuses a late undo anyway) ----------------------
  function initUndo() {
    const bar = $("#undo-bar");
    if (!bar) return;
    const until = parseFloat(bar.dataset.undoUntil) * 1000;
    const left = $("[data-undo-left]", bar);
    const tick = () => {
      const seconds = Math.ceil((until - Date.now()) / 1000);
      if (seconds <= 0) { bar.remove(); return; }
      if (left) left.textContent = String(seconds);
      setTimeout(tick, 250);
    };
    tick();
  }

  // -- phrases (snippets): Ctrl+/ in the editor opens a picker of this review's business and language ------
  // The phrase goes in at the cursor as plain text (never as HTML); saving the draft guards it as always.
  let snippetCaret = null;

  function openSnippets() {
    const area = editor();
    const dialog = $("#snippet-picker");
    if (!area || !dialog) return;
    snippetCaret = [area.selectionStart, area.selectionEnd];
    const filter = $("#snippet-filter");
    filter.value = "";
    filterSnippets("");
    dialog.showModal();
    filter.focus();
  }

  function snippetButtons() { return $$("#snippet-list [data-snippet-key]"); }

  function filterSnippets(typed) {
    const wanted = typed.trim().toLowerCase();
    snippetButtons().forEach((button) => {
      const key = button.dataset.snippetKey;
      const text = button.dataset.snippetText.toLowerCase();
      button.closest("li").hidden = !!wanted && !key.startsWith(wanted) && !text.includes(wanted);
    });
  }

  function insertSnippet(button) {
    const area = editor();
    const dialog = $("#snippet-picker");
    if (!area || !button) return;
    const [start, end] = snippetCaret || [area.value.length, area.value.length];
    const before = area.value.slice(0, start);
    const text = (before && !/\s$/.test(before) ? " " : "") + button.dataset.snippetText;
    area.setRangeText(text, start, end, "end");
    if (dialog.open) dialog.close();
    area.focus();
    area.dispatchEvent(new Event("input", { bubbles: true })); // kept in this browser, counter updated
  }

  document.addEventListener("click", (event) => {
    if (event.target.closest("[data-snippet-open]")) { openSnippets(); return; }
    const picked = event.target.closest("#snippet-list [data-snippet-key]");
    if (picked) insertSnippet(picked);
  });
  document.addEventListener("input", (event) => {
    if (event.target.id === "snippet-filter") filterSnippets(event.target.value);
  });
  document.addEventListener("keydown", (event) => {
    const target = event.target;
    if (target.id === "draft-text" && (event.ctrlKey || event.metaKey) && event.key === "/") {
      event.preventDefault();
      openSnippets();
    } else if (target.id === "snippet-filter" && event.key === "Enter" && !event.isComposing) {
      event.preventDefault();
      const typed = target.value.trim().toLowerCase();
      const visible = snippetButtons().filter((b) => !b.closest("li").hidden);
      insertSnippet(visible.find((b) => b.dataset.snippetKey === typed) || visible[0]);
    }
  });

  // -- character counter while editing ----------------------------------------------------------------
  function updateCounter() {
    $$("[data-counter-for]").forEach((label) => {
      const area = document.getElementById(label.dataset.counterFor);
      if (!area) return;
      const n = area.value.length;
      const max = parseInt(label.dataset.max || "0", 10);
      const min = parseInt(label.dataset.min || "0", 10);
      label.textContent = max ? n + " / " + max + " characters" : n + " characters";
      label.classList.toggle("counter-over", (max && n > max) || (min && n < min));
    });
  }
  document.addEventListener("input", (event) => {
    if (event.target.tagName === "TEXTAREA") updateCounter();
  });
  document.addEventListener("htmx:afterSwap", updateCounter);

  // -- times in the agent's own time zone (the server writes UTC) ------------------------------------
  function localTimes() {
    const format = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "2-digit", day: "2-digit",
      hour: "2-digit", minute: "2-digit", timeZoneName: "short" });
    $$("time[data-local]").forEach((el) => {
      const when = new Date(el.getAttribute("datetime"));
      if (!isNaN(when)) { el.title = el.textContent; el.textContent = format.format(when); }
      el.removeAttribute("data-local");
    });
  }
  document.addEventListener("htmx:afterSwap", localTimes);

  document.addEventListener("DOMContentLoaded", () => {
    localTimes();
    initUndo();
    updateCounter();
    pruneStore();
    initQueue();
    initReview();
  });
})();
