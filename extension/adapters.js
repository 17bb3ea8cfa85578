/* Site adapters: where a page keeps its reviews. Shared by the content script, the options page and the
 * background worker (importScripts), so validation and extraction behave the same everywhere.
 *
 * An adapter is plain JSON (see README.md): CSS selectors for the review container, and inside it the text,
 * rating, author, id, reply box and where the "Draft reply" button goes. A field is a selector string, an
 * object {selector?, attr?, count?, scale?}, or a list of those tried in order (the first non-empty wins).
 */
(function (root) {
  "use strict";

  const SHIPPED = [
    {
      name: "schema.org review",
      note: "Pages marked up with schema.org Review microdata: many shops, Yelp-like and app-store pages.",
      review: "[itemprop='review'], [itemtype$='schema.org/Review']",
      text: "[itemprop='reviewBody'], [itemprop='description']",
      rating: [{ selector: "[itemprop='ratingValue']", attr: "content" }, { selector: "[itemprop='ratingValue']" }],
      author: "[itemprop='author'] [itemprop='name'], [itemprop='author']",
      id: [{ attr: "data-review-id" }, { attr: "id" }],
      replyBox: "textarea, [contenteditable='true'], [contenteditable='']",
    },
    {
      name: "maps-style review list",
      note: "Map and business-profile pages: one block per review with a data-review-id, stars in aria-label.",
      review: "[data-review-id]",
      text: "[data-review-text], [class*='review-text' i], [class*='review__text' i], [class*='reviewText']",
      rating: { selector: "[role='img'][aria-label], [aria-label*='star' i], [aria-label*='zvaigzn' i], [aria-label*='звезд' i]", attr: "aria-label" },
      author: "[data-review-author], [class*='author' i], [class*='reviewer' i]",
      id: { attr: "data-review-id" },
      replyBox: "textarea, [contenteditable='true'], [contenteditable='']",
    },
    {
      name: "seller cabinet feedback card",
      note: "Marketplace seller cabinets: feedback cards with filled stars and a reply form inside the card.",
      review: "[data-feedback-id], [class*='feedback-card' i], [class*='FeedbackCard']",
      text: "[class*='feedback' i][class*='text' i], [class*='review' i][class*='text' i], [class*='comment' i][class*='text' i]",
      rating: [{ selector: "[data-rating]", attr: "data-rating" },
               { selector: "[class*='star--filled' i], [class*='star_filled' i], [class*='star-active' i]", count: true }],
      author: "[class*='author' i], [class*='buyer' i], [class*='customer' i]",
      id: [{ attr: "data-feedback-id" }, { attr: "data-id" }],
      replyBox: "textarea, [contenteditable='true'], [contenteditable='']",
    },
  ];

  const FIELD_KEYS = ["selector", "attr", "count", "scale"];
  const ADAPTER_KEYS = ["name", "note", "match", "review", "text", "rating", "author", "id", "replyBox", "anchor"];

  /** Throws on a selector the browser can't parse; a no-op where there is no DOM (the service worker). */
  function checkSelector(selector, where) {
    if (typeof selector !== "string" || !selector.trim()) throw new Error(`${where}: expected a CSS selector string`);
    if (typeof document === "undefined") return;
    try {
      document.createDocumentFragment().querySelector(selector);
    } catch (e) {
      throw new Error(`${where}: "${selector}" is not a valid CSS selector`);
    }
  }

  function checkField(value, where, required) {
    if (value === undefined || value === null) {
      if (required) throw new Error(`${where}: is required`);
      return;
    }
    if (typeof value === "string") return checkSelector(value, where);
    if (Array.isArray(value)) {
      if (!value.length) throw new Error(`${where}: an empty list`);
      value.forEach((item, i) => {
        if (Array.isArray(item)) throw new Error(`${where}[${i}]: lists do not nest`);
        checkField(item, `${where}[${i}]`, true);
      });
      return;
    }
    if (typeof value !== "object") throw new Error(`${where}: expected a selector string, an object or a list`);
    for (const key of Object.keys(value)) {
      if (!FIELD_KEYS.includes(key)) throw new Error(`${where}: unknown key "${key}" (allowed: ${FIELD_KEYS.join(", ")})`);
    }
    if (value.selector !== undefined) checkSelector(value.selector, `${where}.selector`);
    if (value.attr !== undefined && (typeof value.attr !== "string" || !value.attr)) throw new Error(`${where}.attr: expected an attribute name`);
    if (value.count !== undefined && typeof value.count !== "boolean") throw new Error(`${where}.count: expected true or false`);
    if (value.scale !== undefined && !(typeof value.scale === "number" && value.scale > 0)) throw new Error(`${where}.scale: expected a positive number`);
    if (value.selector === undefined && value.attr === undefined) throw new Error(`${where}: needs "selector" or "attr"`);
  }

  function checkAdapter(adapter, where) {
    if (!adapter || typeof adapter !== "object" || Array.isArray(adapter)) throw new Error(`${where}: expected an object`);
    for (const key of Object.keys(adapter)) {
      if (!ADAPTER_KEYS.includes(key)) throw new Error(`${where}: unknown key "${key}" (allowed: ${ADAPTER_KEYS.join(", ")})`);
    }
    if (typeof adapter.name !== "string" || !adapter.name.trim()) throw new Error(`${where}.name: a name is required`);
    where = `${where} ("${adapter.name}")`;
    checkSelector(adapter.review, `${where}.review`);
    checkField(adapter.text, `${where}.text`, true);
    for (const key of ["rating", "author", "id"]) checkField(adapter[key], `${where}.${key}`, false);
    for (const key of ["replyBox", "anchor"]) if (adapter[key] !== undefined) checkSelector(adapter[key], `${where}.${key}`);
    const match = adapter.match;
    if (match !== undefined) {
      if (!match || typeof match !== "object" || Array.isArray(match)) throw new Error(`${where}.match: expected {"hosts": [...], "urls": [...]}`);
      for (const key of Object.keys(match)) if (!["hosts", "urls"].includes(key)) throw new Error(`${where}.match: unknown key "${key}"`);
      for (const key of ["hosts", "urls"]) {
        const list = match[key];
        if (list === undefined) continue;
        if (!Array.isArray(list) || list.some((s) => typeof s !== "string" || !s)) throw new Error(`${where}.match.${key}: expected a list of strings`);
        if (key === "urls") list.forEach((s, i) => {
          try { new RegExp(s); } catch (e) { throw new Error(`${where}.match.urls[${i}]: not a valid regular expression`); }
        });
      }
    }
  }

  /** Parse and validate the options' JSON: {adapters} or {error} with a message naming the field. */
  function parseAdapters(jsonText) {
    if (!jsonText || !jsonText.trim()) return { adapters: [] };
    let value;
    try {
      value = JSON.parse(jsonText);
    } catch (e) {
      return { error: `Not valid JSON: ${e.message}` };
    }
    if (!Array.isArray(value)) value = [value];
    try {
      value.forEach((adapter, i) => checkAdapter(adapter, `adapter ${i + 1}`));
    } catch (e) {
      return { error: e.message };
    }
    return { adapters: value };
  }

  function hostMatches(pattern, host) {
    pattern = pattern.toLowerCase();
    if (pattern.startsWith("*.")) return host === pattern.slice(2) || host.endsWith(pattern.slice(1));
    return host === pattern;
  }

  function appliesTo(adapter, location) {
    const match = adapter.match;
    if (!match) return true;
    if (match.hosts && !match.hosts.some((p) => hostMatches(p, location.hostname.toLowerCase()))) return false;
    if (match.urls && !match.urls.some((p) => new RegExp(p).test(location.href))) return false;
    return true;
  }

  const squash = (s) => (s || "").replace(/\s+/g, " ").trim();

  function readOne(spec, container) {
    if (typeof spec === "string") spec = { selector: spec };
    if (spec.count) return spec.selector ? String(container.querySelectorAll(spec.selector).length || "") : "";
    const el = spec.selector ? container.querySelector(spec.selector) : container;
    if (!el) return "";
    return squash(spec.attr ? el.getAttribute(spec.attr) : el.textContent);
  }

  function readField(spec, container) {
    if (!spec) return "";
    for (const one of Array.isArray(spec) ? spec : [spec]) {
      const value = readOne(one, container);
      if (value) return value;
    }
    return "";
  }

  function scaleOf(spec) {
    for (const one of Array.isArray(spec) ? spec : [spec]) if (one && one.scale) return one.scale;
    return 5;
  }

  /** "4 zvaigznes", "Rated 4.5 out of 5", "4,0" → 1..5, or null. */
  function parseRating(raw, scale) {
    const m = /(\d+(?:[.,]\d+)?)/.exec(raw || "");
    if (!m) return null;
    const value = Math.round((parseFloat(m[1].replace(",", ".")) / scale) * 5);
    return value >= 1 && value <= 5 ? value : null;
  }

  /** Nearest reply box: inside the review, else in the next two siblings (forms often follow the card). */
  function findReplyBox(adapter, container) {
    if (!adapter.replyBox) return null;
    const inside = container.querySelector(adapter.replyBox);
    if (inside) return inside;
    let sibling = container.nextElementSibling;
    for (let i = 0; sibling && i < 2; i++, sibling = sibling.nextElementSibling) {
      if (sibling.matches(adapter.review)) break;
      const found = sibling.matches(adapter.replyBox) ? sibling : sibling.querySelector(adapter.replyBox);
      if (found) return found;
    }
    return null;
  }

  /** Reviews on `doc` for one adapter, skipping containers in `claimed` (already taken by another adapter). */
  function findReviews(adapter, doc, claimed) {
    const found = [];
    for (const el of doc.querySelectorAll(adapter.review)) {
      if (claimed.has(el) || [...claimed].some((c) => c.contains(el) || el.contains(c))) continue;
      const text = readField(adapter.text, el);
      if (!text) continue;
      const textSpec = Array.isArray(adapter.text) ? adapter.text[0] : adapter.text;
      const textSelector = typeof textSpec === "string" ? textSpec : textSpec.selector;
      found.push({
        el,
        adapter: adapter.name,
        text,
        rating: parseRating(readField(adapter.rating, el), adapter.rating ? scaleOf(adapter.rating) : 5),
        author: readField(adapter.author, el).slice(0, 300) || null,
        externalId: readField(adapter.id, el).slice(0, 200) || null,
        textEl: textSelector ? el.querySelector(textSelector) : null,
        anchorEl: adapter.anchor ? el.querySelector(adapter.anchor) : null,
        replyBox: () => findReplyBox(adapter, el),
      });
      claimed.add(el);
    }
    return found;
  }

  root.ReviewAdapters = { SHIPPED, parseAdapters, appliesTo, findReviews, parseRating, readField };
})(globalThis);
