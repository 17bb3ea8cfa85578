/* The panel: a view in a closed shadow root, so page CSS can't break it, page text can't become markup and page
 * scripts can't read or change it (element.shadowRoot is null for them).
 *
 * Everything from the page or the API is set with textContent / value, never parsed as markup. Handlers run only
 * for trusted (real user) events: a page script can't click "Approve" for the agent. A page can still type into
 * the focused draft (document.execCommand works on whatever has focus), so Approve refuses a text that changed
 * during the agent's own press, or that changed without the agent's input (no trusted beforeinput), and a draft
 * carrying guard issues needs a second, explicit confirmation that names them.
 */
(function (root) {
  "use strict";

  const ACTIONS = { thank: "Thank", apologize: "Apologize", offer_fix: "Offer a fix", offer_discount: "Offer a discount",
                    do_not_engage: "Do not engage" };
  const DNE_KINDS = { spam: "spam or advertising", extortion: "extortion (a demand in exchange for the review)",
                      legal_threat: "a legal threat", abuse: "abuse", injection: "an attempt to instruct the assistant",
                      off_topic: "off-topic", stop_word: "a stop word from the playbook" };
  const HOST_STYLE = "all: initial !important; display: block !important; position: fixed !important; top: 16px !important;" +
    " right: 16px !important; z-index: 2147483647 !important; width: 400px !important; max-width: calc(100vw - 32px) !important;";

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(attrs || {})) {
      if (key === "text") node.textContent = value;
      else if (key === "class") node.className = value;
      else if (key === "style") node.style.cssText = value; // CSSOM: allowed under a page CSP without 'unsafe-inline'

      else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  /** Run `fn` only for real user input (isTrusted); page scripts' synthetic clicks are ignored. */
  function onTrusted(node, type, fn) {
    node.addEventListener(type, (event) => {
      if (!event.isTrusted) return;
      event.preventDefault();
      fn(event);
    });
  }

  function stars(rating) {
    return rating ? "★".repeat(rating) + "☆".repeat(5 - rating) : "";
  }

  /** What triggered do-not-engage, in words: "ignore all previous instructions" rather than rule codes. */
  function dneEvidence(c) {
    const reasons = c.reasons || [];
    const prefix = `${c.dne_kind}:`;
    const own = reasons.filter((r) => c.dne_kind && r.startsWith(prefix)).map((r) => `Found: “${r.slice(prefix.length)}”`);
    const notes = reasons.filter((r) => r.startsWith("llm:note:")).map((r) => `Model's note: ${r.slice(9)}`);
    return (own.length || notes.length ? [...own, ...notes] : reasons.filter((r) => !/^(lang|rating|topic):/.test(r))).slice(0, 5);
  }

  class Panel {
    constructor(css, handlers) {
      this.handlers = handlers;
      this.host = el("review-assistant-panel", { style: HOST_STYLE + " display: none !important;" });
      this.root = this.host.attachShadow({ mode: "closed" });
      const sheet = new CSSStyleSheet();
      sheet.replaceSync(css || "");
      this.root.adoptedStyleSheets = [sheet];
      this.build();
      document.documentElement.append(this.host);
      this.shown = null; // {draftId, version} in the textarea
    }

    build() {
      const b = (cls, text, handler, title) => {
        const button = el("button", { class: cls, type: "button", text, ...(title ? { title } : {}) });
        onTrusted(button, "click", handler);
        return button;
      };
      this.reviewId = el("span", { class: "review-id" });
      this.author = el("span", { class: "author" });
      this.stars = el("span", { class: "stars" });
      this.source = el("span", { class: "source" });
      this.reviewText = el("p", { class: "review-text" });
      this.reviewTitle = el("strong", { class: "review-title" });
      this.busy = el("div", { class: "busy", role: "status" }, el("span", { class: "spinner" }), el("span", { class: "busy-text" }));
      this.errorTitle = el("strong", { class: "error-title" });
      this.errorDetail = el("p", { class: "error-detail" });
      this.errorFields = el("ul", { class: "error-fields" });
      this.errorActions = el("div", { class: "error-actions" });
      this.error = el("div", { class: "error", role: "alert" }, this.errorTitle, this.errorDetail, this.errorFields, this.errorActions);
      this.chips = el("div", { class: "chips" });
      this.issues = el("ul", { class: "issues" });
      this.dneReason = el("p", { class: "dne-reason" });
      this.dneReasons = el("ul", { class: "dne-reasons" });
      this.dne = el("section", { class: "dne" }, el("strong", { text: "Do not engage" }), this.dneReason, this.dneReasons,
        el("p", { class: "dne-note", text: "No public reply is drafted. A person should decide what to do with this review." }));
      this.draftState = el("span", { class: "draft-state" });
      this.textarea = el("textarea", { class: "draft-text", rows: "8", spellcheck: "true", "aria-label": "Draft reply" });
      this.foreign = false; // the text changed without the agent's input since it was last shown or restored
      this.userInput = false;
      this.textarea.addEventListener("beforeinput", (event) => { if (event.isTrusted) this.userInput = true; });
      this.textarea.addEventListener("input", (event) => {
        // Typing, pasting, dictation and spell-check fire a trusted beforeinput first; execCommand from a page does not.
        if (!event.isTrusted || !this.userInput) this.markForeign();
        this.userInput = false;
        this.markDirty();
      });
      this.dirty = el("span", { class: "dirty", text: "edited, not saved" });
      this.saveButton = b("save", "Save edit", () => {
        if (this.pressedCleanly(this.saveButton, "Not saved")) this.handlers.save(this.textarea.value);
      });
      this.watchGesture(this.saveButton);
      this.instruction = el("input", { class: "instruction", type: "text", maxlength: "500", placeholder: "Instruction, e.g. shorter, mention the replacement" });
      // The instruction goes to the model: only what the agent typed (a page can type into a focused field too).
      this.instructionForeign = false;
      let instructionInput = false;
      this.instruction.addEventListener("beforeinput", (event) => { if (event.isTrusted) instructionInput = true; });
      this.instruction.addEventListener("input", (event) => {
        if (!event.isTrusted || !instructionInput) this.instructionForeign = true;
        instructionInput = false;
      });
      const regen = b("regenerate", "Regenerate", () => {
        if (this.instructionForeign) {
          this.instruction.value = "";
          this.instructionForeign = false;
          this.setNotice("Not regenerated: the instruction changed without your typing. It was cleared; type it again.", "warn");
          return;
        }
        if (this.pressedCleanly(regen, "Not regenerated")) this.handlers.regenerate(this.instruction.value.trim());
      });
      this.watchGesture(regen);
      this.insertButton = b("insert primary", "Insert into reply box", () => this.handlers.insert(this.textarea.value));
      this.approveButton = b("approve", "Approve", () => this.requestApprove(this.approveButton, null));
      this.watchGesture(this.approveButton);
      this.confirmText = el("p", { class: "confirm-text" });
      this.confirmButton = b("confirm-approve", "Approve anyway", () => this.requestApprove(this.confirmButton, this.confirmKey));
      this.watchGesture(this.confirmButton);
      const cancel = b("confirm-cancel", "Cancel", () => this.hideConfirm());
      this.confirm = el("div", { class: "confirm", role: "alertdialog" }, this.confirmText, el("div", { class: "row" }, this.confirmButton, cancel));
      this.confirm.hidden = true;
      this.restoreButton = b("restore", "Restore the saved text", () => this.restore());
      const copy = b("copy", "Copy", () => this.handlers.copy(this.textarea.value));
      this.draft = el("section", { class: "draft" },
        el("div", { class: "draft-head" }, el("span", { class: "label", text: "Draft reply" }), this.draftState),
        this.textarea,
        el("div", { class: "row edit-row" }, this.saveButton, this.dirty),
        el("div", { class: "row regen-row" }, this.instruction, regen),
        el("div", { class: "row actions" }, this.insertButton, copy, this.approveButton),
        this.confirm);
      this.tamper = el("div", { class: "tamper", role: "alert" },
        el("p", { text: "The draft text changed without your typing (a script on this page?). Approve is off until you restore the saved text or the draft is reloaded." }),
        this.restoreButton);
      this.tamper.hidden = true;
      this.draft.append(this.tamper); // below the buttons: nothing moves under the agent's pointer mid-press
      this.notice = el("div", { class: "notice", role: "status" });
      const close = b("close", "×", () => this.hide(), "Close");
      close.setAttribute("aria-label", "Close");
      this.panel = el("div", { class: "panel", role: "dialog", "aria-label": "Reply assistant" },
        el("header", {}, el("span", { class: "brand", text: "Reply assistant" }), this.reviewId, close),
        el("section", { class: "review" }, el("div", { class: "meta" }, this.author, this.stars, this.source), this.reviewTitle, this.reviewText),
        this.busy, this.error, this.chips, this.issues, this.dne, this.draft, this.notice);
      this.root.append(this.panel);
      this.panel.addEventListener("keydown", (event) => { if (event.key === "Escape" && event.isTrusted) this.hide(); });
    }

    /** Remember the text when a press on `button` starts (pointer or key): the click must approve that text. */
    watchGesture(button) {
      const start = (event) => {
        if (!event.isTrusted) return;
        if (event.type === "keydown" && event.key !== "Enter" && event.key !== " ") return;
        this.gesture = { button, text: this.textarea.value, foreign: this.foreign, at: Date.now() };
      };
      button.addEventListener("pointerdown", start, true);
      button.addEventListener("keydown", start, true);
    }

    markForeign() {
      this.foreign = true;
      this.tamper.hidden = false;
      this.hideConfirm();
    }

    restore() {
      if (!this.shown) return;
      this.textarea.value = this.shown.text;
      this.foreign = false;
      this.tamper.hidden = true;
      this.markDirty();
      this.setNotice("The saved text is back. Read it, then approve.", "info");
    }

    /** Issues the agent must confirm before approving the draft shown: guard issues and flags. */
    issueNames(draft) {
      if (!draft) return [];
      const names = (draft.guard_issues || []).map((i) => i.code.replace(/_/g, " ") + (i.detail ? ` (${i.detail})` : ""));
      for (const flag of draft.flags || []) {
        const name = flag.replace(/_/g, " ");
        if (!names.some((n) => n.startsWith(name))) names.push(name);
      }
      if (!names.length && draft.flagged) names.push("flagged by the guard");
      return names;
    }

    askConfirm(names, key) {
      this.confirmKey = key;
      this.confirmText.textContent = `This draft has guard issues: ${names.join("; ")}. Approve it with these issues?`;
      this.confirmButton.textContent = `Approve with ${names.length === 1 ? "this issue" : `these ${names.length} issues`}`;
      this.confirm.hidden = false;
    }

    hideConfirm() {
      this.confirm.hidden = true;
      this.confirmKey = null;
    }

    /** True when the press on `button` began and ended on the same text that only the agent changed. */
    pressedCleanly(button, refused) {
      const gesture = this.gesture;
      this.gesture = null;
      if (this.foreign) {
        this.setNotice(`${refused}: the draft text changed without your typing. Restore the saved text first.`, "warn");
        return false;
      }
      if (!gesture || gesture.button !== button || gesture.text !== this.textarea.value || gesture.foreign || Date.now() - gesture.at > 10000) {
        this.markForeign();
        this.setNotice(`${refused}: the draft changed while you pressed the button. Read it again.`, "warn");
        return false;
      }
      return true;
    }

    /** Approve only what the agent saw when the press began, and only text nothing but the agent changed. */
    requestApprove(button, confirmKey) {
      const text = this.textarea.value;
      if (!this.pressedCleanly(button, "Not approved")) return;
      if (confirmKey !== null && confirmKey !== this.confirmKey) return;
      this.hideConfirm();
      this.handlers.approve(text, confirmKey);
    }

    open(review) {
      this.host.style.setProperty("display", "block", "important");
      this.reviewId.textContent = "";
      this.author.textContent = review.author || "";
      this.stars.textContent = stars(review.rating);
      this.stars.title = review.rating ? `${review.rating} of 5` : "";
      this.source.textContent = review.source || "";
      this.reviewText.textContent = review.text;
      this.reviewTitle.textContent = review.title || "";
      this.reviewTitle.hidden = !review.title;
      this.shown = null;
      this.foreign = false;
      this.instructionForeign = false;
      this.tamper.hidden = true;
      this.hideConfirm();
      for (const part of [this.error, this.chips, this.issues, this.dne, this.draft, this.notice]) part.hidden = true;
      this.setBusy("Sending the review…");
    }

    hide() {
      this.host.style.setProperty("display", "none", "important");
      this.handlers.closed();
    }

    setBusy(text) {
      this.busy.hidden = !text;
      this.busy.querySelector(".busy-text").textContent = text || "";
      for (const button of this.draft.querySelectorAll("button")) if (button !== this.restoreButton) button.disabled = Boolean(text);
    }

    /** error: {kind, title, detail, fields}; actions: [[label, fn], …]. */
    setError(error, actions) {
      this.setBusy("");
      this.error.hidden = !error;
      if (!error) return;
      this.error.dataset.kind = error.kind || "";
      this.errorTitle.textContent = error.title || "Error";
      this.errorDetail.textContent = error.detail || "";
      this.errorFields.replaceChildren(...(error.fields || []).slice(0, 8).map((f) =>
        el("li", { text: [f.key, f.message].filter(Boolean).join(": ") || JSON.stringify(f) })));
      this.errorActions.replaceChildren(...(actions || []).map(([label, fn]) => {
        const button = el("button", { type: "button", text: label });
        onTrusted(button, "click", fn);
        return button;
      }));
    }

    setNotice(text, kind) {
      this.notice.hidden = !text;
      this.notice.textContent = text || "";
      this.notice.dataset.kind = kind || "info";
    }

    markDirty() {
      const changed = this.shown && this.textarea.value !== this.shown.text;
      this.dirty.hidden = !changed;
      this.saveButton.disabled = !changed || this.textarea.readOnly;
    }

    get isDirty() {
      return Boolean(this.shown && this.textarea.value !== this.shown.text);
    }

    /** Show a ReviewOut from the API. `keepText` keeps the agent's unsaved edit (after a conflict). */
    setResult(data, keepText) {
      this.setBusy("");
      this.reviewId.textContent = `#${data.id}`;
      const c = data.classification;
      const d = data.draft;
      const dne = c && c.action === "do_not_engage";
      this.chips.hidden = !c;
      if (c) {
        const chips = [el("span", { class: `chip action action-${c.action}`, text: ACTIONS[c.action] || c.action }),
                       el("span", { class: "chip lang", text: (c.language || "?").toUpperCase(), title: "Language" })];
        const flags = new Set([...(d ? d.flags : []), ...(c.needs_human ? ["needs_human"] : [])]);
        for (const flag of flags) if (!flag.startsWith("do_not_engage")) chips.push(el("span", { class: "chip flag", text: flag.replace(/_/g, " ") }));
        for (const topic of c.topics || []) chips.push(el("span", { class: "chip topic", text: topic }));
        this.chips.replaceChildren(...chips);
      }
      const issues = d && !dne ? d.guard_issues || [] : [];
      this.issues.hidden = !issues.length;
      this.issues.replaceChildren(...issues.map((i) => el("li", {}, el("b", { text: i.code.replace(/_/g, " ") }), i.detail ? `: ${i.detail}` : "")));
      this.dne.hidden = !dne;
      if (dne) {
        this.dneReason.textContent = `Reason: ${DNE_KINDS[c.dne_kind] || c.dne_kind || "flagged for a person"}.`;
        this.dneReasons.replaceChildren(...dneEvidence(c).map((r) => el("li", { text: r })));
      }
      this.draft.hidden = dne || !d;
      if (dne || !d) return;
      const decided = d.status !== "pending";
      this.draftState.textContent = `v${d.version} · ${d.status}${d.decided_by ? ` by ${d.decided_by}` : ""}`;
      this.draftState.dataset.status = d.status;
      if (!keepText || !this.shown) {
        this.textarea.value = d.text;
        this.foreign = false;
        this.tamper.hidden = true;
      }
      this.hideConfirm();
      this.shown = { draftId: d.id, version: d.version, text: d.text, status: d.status };
      this.textarea.readOnly = decided;
      this.approveButton.disabled = decided;
      this.approveButton.textContent = d.status === "approved" ? "Approved" : "Approve";
      this.instruction.disabled = decided;
      this.draft.querySelector(".regenerate").disabled = decided;
      this.markDirty();
    }
  }

  root.ReviewPanel = Panel;
  root.ReviewPanelTools = { el, onTrusted, HOST_STYLE };
})(globalThis);
