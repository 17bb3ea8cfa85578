/* Site adapters: where a page keeps its reviews. Shared by the content script, the options page and the
 * background worker (importScripts), so validation and extraction behave the same everywhere.
 *
 * An adapter is plain JSON (see README.md): CSS selectors for the review container, and inside it the text,
 * title, rating, author, date, id, exclusions, reply box and where the "Draft reply" button goes. A field is a
 * selector string, an object {selector?, attr?, count?, scale?, all?, strip?, pick?}, or a list of those tried in
 * order (the first non-empty wins).
 */
(function (root) {
  "use strict";

  // Site adapters: `checked` is the date the selectors were last compared with the platform's markup. Platforms
  // change markup often; when an adapter stops matching, the generic detector (detect.js) still finds most
  // reviews, and selecting the text + the context menu always works.
  const NO_REPLY = "[class*='reply' i]:not(textarea), [class*='response' i], [class*='answer' i]:not(textarea)";
  const SHIPPED = [
    {
      name: "Google Maps",
      checked: "2025-01-15",
      match: { hosts: ["www.google.com", "google.com", "maps.google.com", "*.google.com", "*.google.ru", "*.google.lv", "*.google.com.ua"], urls: ["/maps"] },
      review: "div.jftiEf[data-review-id], div[data-review-id][aria-label]:has(.wiI7pd)",
      text: [".MyEned .wiI7pd", ".wiI7pd"],
      exclude: ".CDe7pd, button",
      rating: [{ selector: ".kvMYJc", attr: "aria-label" }, { selector: "[role='img'][aria-label]", attr: "aria-label" }, { selector: ".fzvQIb" }],
      author: [".d4r55", { attr: "aria-label" }],
      date: ".rsqaWe, .xRkPPb",
      id: { attr: "data-review-id" },
    },
    {
      name: "Yandex Maps",
      checked: "2025-01-15",
      match: { hosts: ["yandex.ru", "yandex.by", "yandex.kz", "yandex.com", "yandex.com.tr", "*.yandex.ru"], urls: ["/maps", "/profile", "/org/"] },
      review: ".business-review-view",
      text: [".business-review-view__body-text", ".spoiler-view__text-container", "[itemprop='reviewBody']"],
      exclude: ".business-review-comment, .business-review-view__comment-expand",
      rating: [{ selector: "[itemprop='ratingValue']", attr: "content" }, { selector: ".business-rating-badge-view__stars", attr: "aria-label" },
               { selector: ".business-rating-badge-view__star._full", count: true }],
      author: [".business-review-view__author-name [itemprop='name']", ".business-review-view__author-name"],
      date: [{ selector: "[itemprop='datePublished']", attr: "content" }, ".business-review-view__date"],
    },
    {
      name: "2GIS",
      checked: "2025-01-15",
      match: { hosts: ["2gis.ru", "*.2gis.ru", "2gis.ua", "*.2gis.ua", "2gis.com", "*.2gis.com", "2gis.kz", "*.2gis.kz"] },
      review: "div:has(> div > a[href*='/reviews/']):has(svg[fill='#ffb81c'])",
      text: ["a[href*='/reviews/'] + div", "div[class] > a[href*='/reviews/']"],
      exclude: NO_REPLY,
      rating: { selector: "svg[fill='#ffb81c']", count: true },
      author: "span[title]",
      date: { selector: "div", pick: "\\d{1,2}\\s+\\S+\\s+\\d{4}" },
    },
    {
      name: "Wildberries",
      checked: "2025-01-15",
      match: { hosts: ["wildberries.ru", "*.wildberries.ru", "*.wildberries.by", "*.wildberries.kz", "*.wb.ru"] },
      review: "li.feedback, .comments__item.feedback, [data-feedback-id]",
      text: [{ selector: ".feedback__text--item, .feedback__text", all: true }, "[class*='feedback__text' i]", "[class*='Feedback-text' i]"],
      exclude: ".feedback__sellers-reply",
      rating: [{ selector: ".feedback__rating, [class*='stars-line']", attr: "class", pick: "star(\\d)" }, { selector: "[class*='star--filled' i], [class*='star_active' i]", count: true }],
      author: [".feedback__header", "[class*='feedback__name' i]", "[class*='author' i]"],
      date: [{ selector: ".feedback__date", attr: "content" }, ".feedback__date", "[class*='date' i]"],
      id: [{ attr: "data-feedback-id" }, { attr: "id" }],
    },
    {
      name: "Ozon",
      checked: "2025-01-15",
      match: { hosts: ["ozon.ru", "*.ozon.ru", "*.ozon.by", "*.ozon.kz"] },
      review: "[data-review-uuid]",
      text: [{ selector: "[class*='review-text' i], [data-widget*='reviewText'] span", all: true }, "[class*='text' i]"],
      exclude: "[class*='answer' i], [class*='reply' i], [class*='comment-seller' i]",
      rating: [{ selector: "[class*='stars' i] svg[style*='255, 168, 0']", count: true }, { selector: "[aria-label]", attr: "aria-label" }],
      author: ["[class*='author' i] span", "[class*='author' i]"],
      date: "[class*='date' i]",
      id: { attr: "data-review-uuid" },
    },
    {
      name: "Rozetka",
      checked: "2025-01-15",
      match: { hosts: ["rozetka.com.ua", "*.rozetka.com.ua"] },
      review: "rz-product-comment, li.product-comments__list-item",
      text: [{ selector: ".comment__text, .comment__essentials", all: true }, ".comment__body"],
      exclude: ".comment__answers, .comment__link, .comment__vote",
      rating: [{ selector: "rz-comment-rating .rating-stars__item--active, .comment__rating .rating-stars__item--active", count: true },
               { selector: "rz-comment-rating [style*='width']", attr: "style", pick: "width:\\s*(\\d+)%", scale: 100 }],
      author: ".comment__author",
      date: ".comment__date",
      id: [{ attr: "data-comment-id" }, { selector: "[id^='comment']", attr: "id", pick: "\\d+" }],
    },
    {
      name: "Prom.ua",
      checked: "2025-01-15",
      match: { hosts: ["prom.ua", "*.prom.ua"] },
      review: "[data-qaid='review_item'], [data-qaid='opinion_item'], [data-qaid='product_review']",
      text: ["[data-qaid='review_text']", "[data-qaid='opinion_text']", "[data-qaid*='comment_text']"],
      exclude: "[data-qaid*='answer'], [data-qaid*='reply']",
      rating: [{ selector: "[data-qaid*='rating']", attr: "aria-label" }, { selector: "[data-qaid*='rating']", attr: "title" },
               { selector: "[data-qaid*='star_active'], [data-qaid*='star-active']", count: true }],
      author: ["[data-qaid='review_author']", "[data-qaid='opinion_author']", "[data-qaid*='author']"],
      date: ["[data-qaid='review_date']", "[data-qaid*='date']"],
      id: [{ attr: "data-review-id" }, { attr: "data-opinion-id" }],
    },
    {
      name: "Trustpilot",
      checked: "2025-01-15",
      match: { hosts: ["trustpilot.com", "*.trustpilot.com"] },
      review: "article[data-service-review-card-paper], [data-service-review-card-paper]:not(article *)",
      text: ["[data-service-review-text-typography]", "[data-review-content] p"],
      exclude: "[data-service-review-business-reply-text-typography], [class*='replyInfo']",
      title: "[data-service-review-title-typography]",
      rating: [{ selector: "[data-service-review-rating]", attr: "data-service-review-rating" }, { selector: "img[alt]", attr: "alt" }],
      author: "[data-consumer-name-typography]",
      date: [{ selector: "time[datetime]", attr: "datetime" }, "[data-service-review-date-of-experience-typography]"],
      id: [{ selector: "a[href*='/reviews/']", attr: "href", pick: "/reviews/([0-9a-f]{12,})" }],
    },
    {
      name: "Amazon",
      checked: "2025-01-15",
      match: { hosts: ["*.amazon.com", "*.amazon.co.uk", "*.amazon.de", "*.amazon.it", "*.amazon.fr", "*.amazon.es", "*.amazon.nl", "*.amazon.pl", "*.amazon.se", "*.amazon.com.tr", "*.amazon.ca", "*.amazon.com.au", "*.amazon.in", "*.amazon.co.jp", "*.amazon.com.mx", "*.amazon.com.br"] },
      review: "[data-hook='review']",
      text: ["[data-hook='review-body'] [data-hook='review-collapsed'] > span", "[data-hook='review-body'] > span", "[data-hook='review-body']"],
      exclude: ".a-expander-header, .cr-translated-review-content",
      title: "[data-hook='review-title']",
      titleExclude: ".a-icon-alt, i, .a-letter-space",
      rating: [{ selector: "[data-hook='review-star-rating'], [data-hook='cmps-review-star-rating'], i[class*='a-star-']", attr: "class", pick: "a-star-(\\d(?:-5)?)(?:\\s|$)" },
               { selector: ".a-icon-alt" }],
      author: ".a-profile-name",
      date: "[data-hook='review-date']",
      id: [{ attr: "id", pick: "R[A-Z0-9]{8,}" }, { selector: "[data-hook='review-title']", attr: "href", pick: "/customer-reviews/(R[A-Z0-9]+)" }],
    },
    {
      name: "Yelp",
      checked: "2025-01-15",
      match: { hosts: ["yelp.com", "*.yelp.com", "*.yelp.ca", "*.yelp.co.uk", "*.yelp.de", "*.yelp.it", "*.yelp.fr"] },
      review: "li:has([aria-label$='star rating' i]):has(p[class*='comment__'])",
      text: ["p[class*='comment__'] span[class*='raw__']", "p[class*='comment__']"],
      exclude: "[class*='businessReply' i], button",
      rating: { selector: "[aria-label$='star rating' i]", attr: "aria-label" },
      author: ["a[href*='/user_details']", "[class*='user-passport'] a"],
      date: { selector: "span", pick: "^\\w{3} \\d{1,2}, \\d{4}$|^\\d{1,2}/\\d{1,2}/\\d{4}$" },
      id: [{ attr: "data-review-id" }, { selector: "[data-review-id]", attr: "data-review-id" }],
    },
    {
      name: "Google Play",
      checked: "2025-01-15",
      match: { hosts: ["play.google.com"] },
      review: "div.RHo1pe",
      text: [".h3YV2d"],
      exclude: ".ocpBU",
      rating: { selector: "[role='img'][aria-label]", attr: "aria-label" },
      author: ".X5PpBb",
      date: ".bp9Aid",
      id: [{ selector: "header[data-review-id]", attr: "data-review-id" }],
    },
    {
      name: "App Store",
      checked: "2025-01-15",
      match: { hosts: ["apps.apple.com"] },
      review: ".we-customer-review",
      text: [".we-customer-review__body"],
      exclude: ".we-customer-review__header--response, .we-customer-review__response, .we-truncate__button",
      title: ".we-customer-review__title",
      rating: { selector: ".we-star-rating[aria-label], figure[aria-label]", attr: "aria-label" },
      author: ".we-customer-review__user",
      date: [{ selector: "time[datetime]", attr: "datetime" }, ".we-customer-review__date"],
    },
    // Page shapes rather than sites (any host).
    {
      name: "maps-style review list",
      checked: "2025-01-15",
      note: "Map and business-profile pages: one block per review with a data-review-id, stars in aria-label.",
      review: "[data-review-id]:not(button):not(a):not([role='button'])",
      text: ["[data-review-text]", "[class*='review-text' i]", "[class*='review__text' i]", "[class*='reviewText']"],
      exclude: NO_REPLY,
      rating: { selector: "[role='img'][aria-label], [aria-label*='star' i], [aria-label*='zvaigzn' i], [aria-label*='звезд' i]", attr: "aria-label" },
      author: ["[data-review-author]", "[class*='author' i]", "[class*='reviewer' i]"],
      id: { attr: "data-review-id" },
    },
    {
      name: "seller cabinet feedback card",
      checked: "2025-01-15",
      note: "Marketplace seller cabinets: feedback cards with filled stars and a reply form inside the card.",
      review: "[data-feedback-id], [class~='feedback-card'], [class*='FeedbackCard']",
      text: "[class*='feedback' i][class*='text' i], [class*='review' i][class*='text' i], [class*='comment' i][class*='text' i]",
      rating: [{ selector: "[data-rating]", attr: "data-rating" },
               { selector: "[class*='star--filled' i], [class*='star_filled' i], [class*='star-active' i]", count: true }],
      author: ["[class*='author' i]", "[class*='buyer' i]", "[class*='customer' i]"],
      date: "[class*='date' i]",
      id: [{ attr: "data-feedback-id" }, { attr: "data-id" }],
    },
  ];

  const FIELD_KEYS = ["selector", "attr", "count", "scale", "all", "strip", "pick"];
  const ADAPTER_KEYS = ["name", "note", "checked", "match", "review", "text", "title", "rating", "author", "date", "id",
                        "exclude", "titleExclude", "replyBox", "anchor"];

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

  function checkRegex(value, where) {
    if (typeof value !== "string" || !value) throw new Error(`${where}: expected a regular expression string`);
    try { new RegExp(value, "iu"); } catch (e) { throw new Error(`${where}: not a valid regular expression`); }
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
    for (const key of ["count", "all"]) {
      if (value[key] !== undefined && typeof value[key] !== "boolean") throw new Error(`${where}.${key}: expected true or false`);
    }
    for (const key of ["strip", "pick"]) if (value[key] !== undefined) checkRegex(value[key], `${where}.${key}`);
    if (value.scale !== undefined && !(typeof value.scale === "number" && value.scale > 0)) throw new Error(`${where}.scale: expected a positive number`);
    if (value.selector === undefined && value.attr === undefined) throw new Error(`${where}: needs "selector" or "attr"`);
  }

  function checkSelectors(value, where) {
    if (value === undefined) return;
    if (Array.isArray(value)) value.forEach((s, i) => checkSelector(s, `${where}[${i}]`));
    else checkSelector(value, where);
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
    for (const key of ["title", "rating", "author", "date", "id"]) checkField(adapter[key], `${where}.${key}`, false);
    for (const key of ["replyBox", "anchor"]) if (adapter[key] !== undefined) checkSelector(adapter[key], `${where}.${key}`);
    for (const key of ["exclude", "titleExclude"]) checkSelectors(adapter[key], `${where}.${key}`);
    if (adapter.checked !== undefined && !(typeof adapter.checked === "string" && /^\d{4}-\d{2}-\d{2}$/.test(adapter.checked))) {
      throw new Error(`${where}.checked: expected a date like 2025-01-31`);
    }
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
  const SKIP_TAGS = /^(NOSCRIPT|SCRIPT|STYLE|TEMPLATE|REVIEW-ASSISTANT-BUTTON|REVIEW-ASSISTANT-PANEL|REVIEW-ASSISTANT-HINT)$/;

  /** Text of `el` without the subtrees `skip` rejects (blocks separated by a space); detect.js reads with it too. */
  function cleanText(el, skip) {
    let out = "";
    const walk = (node) => {
      for (let child = node.firstChild; child; child = child.nextSibling) {
        if (child.nodeType === 3) out += child.data;
        else if (child.nodeType === 1) {
          if (skip(child)) { out += " "; continue; }
          if (child.nodeName === "BR") out += "\n";
          else { out += " "; walk(child); out += " "; }
        }
      }
    };
    walk(el);
    return squash(out);
  }

  /** Text of an element without excluded subtrees, <noscript>, scripts and our own elements. */
  function textWithout(el, excluded) {
    return excluded.has(el) ? "" : cleanText(el, (child) => SKIP_TAGS.test(child.nodeName) || excluded.has(child));
  }

  function shape(value, spec) {
    if (!value) return "";
    if (spec.strip) value = squash(value.replace(new RegExp(spec.strip, "giu"), ""));
    if (spec.pick) {
      const m = new RegExp(spec.pick, "iu").exec(value);
      value = m ? squash(m[1] !== undefined ? m[1] : m[0]) : "";
    }
    return value;
  }

  function readOne(spec, container, excluded) {
    if (typeof spec === "string") spec = { selector: spec };
    if (spec.count) return spec.selector ? String([...container.querySelectorAll(spec.selector)].filter((e) => !excluded.has(e)).length || "") : "";
    const read = (el) => shape(spec.attr ? squash(el.getAttribute(spec.attr)) : textWithout(el, excluded), spec);
    if (!spec.selector) return read(container);
    const all = [...container.querySelectorAll(spec.selector)].filter((el) => ![...excluded].some((x) => x.contains(el)));
    if (spec.all) {
      // Several parts of one review (pros, cons, comment): each part once, in page order.
      const parts = all.filter((el) => !all.some((o) => o !== el && o.contains(el))).map(read).filter(Boolean);
      return parts.join("\n");
    }
    for (const el of all) {
      const value = read(el);
      if (value) return value;
    }
    return "";
  }

  function readField(spec, container, excluded) {
    if (!spec) return "";
    excluded = excluded || new Set();
    for (const one of Array.isArray(spec) ? spec : [spec]) {
      const value = readOne(one, container, excluded);
      if (value) return value;
    }
    return "";
  }

  function firstElement(spec, container) {
    for (const one of Array.isArray(spec) ? spec : [spec]) {
      const selector = typeof one === "string" ? one : one && one.selector;
      const el = selector ? container.querySelector(selector) : null;
      if (el) return el;
    }
    return null;
  }

  function scaleOf(spec) {
    for (const one of Array.isArray(spec) ? spec : [spec]) if (one && one.scale) return one.scale;
    return 5;
  }

  /** "4 zvaigznes", "Rated 4.5 out of 5", "4,0 su 5 stelle", "a-star-4", "★★★★☆", "4,0" → 1..5, or null. */
  function parseRating(raw, scale) {
    const detect = root.ReviewDetect;
    if (detect && raw && (!scale || scale === 5)) {
      const glyphs = detect.ratingFromGlyphs(raw);
      if (glyphs) return glyphs;
      const phrase = detect.ratingFromPhrase(raw, true);
      if (phrase) return phrase.rating;
      const byClass = detect.ratingFromClassName(raw);
      if (byClass) return byClass;
    }
    const m = /(\d+(?:[.,]\d+)?)/.exec(raw || "");
    if (!m) return null;
    const value = Math.round((parseFloat(m[1].replace(/-/, ".").replace(",", ".")) / (scale || 5)) * 5);
    return value >= 1 && value <= 5 ? value : null;
  }

  function selectAll(selectors, container) {
    const found = new Set();
    if (!selectors) return found;
    for (const selector of Array.isArray(selectors) ? selectors : [selectors]) {
      for (const el of container.querySelectorAll(selector)) found.add(el);
    }
    return found;
  }

  /** Reviews on `doc` for one adapter, skipping containers in `claimed` (already taken by another adapter). */
  function findReviews(adapter, doc, claimed) {
    const found = [];
    const detect = root.ReviewDetect;
    for (const el of doc.querySelectorAll(adapter.review)) {
      if (claimed.has(el) || [...claimed].some((c) => c.contains(el) || el.contains(c))) continue;
      const excluded = selectAll(adapter.exclude, el);
      const text = readField(adapter.text, el, excluded);
      if (!text) continue; // voting widgets and other blocks that reuse the review's id carry no text
      const title = readField(adapter.title, el, new Set([...excluded, ...selectAll(adapter.titleExclude, el)])).slice(0, 300) || null;
      const author = readField(adapter.author, el, excluded).replace(/^(?:by|от|від)\s+/i, "").slice(0, 300) || null;
      const date = readField(adapter.date, el, excluded).slice(0, 100) || null;
      const ratingRaw = readField(adapter.rating, el, excluded);
      found.push({
        el,
        adapter: adapter.name,
        text,
        title,
        rating: parseRating(ratingRaw, adapter.rating ? scaleOf(adapter.rating) : 5),
        author,
        date,
        externalId: readField(adapter.id, el).slice(0, 200) || null,
        hashId: detect ? detect.hash([author || "", detect.absoluteDate(date), squash(text)].join("\u0001")) : null,
        textEl: firstElement(adapter.text, el),
        anchorEl: adapter.anchor ? el.querySelector(adapter.anchor) : null,
        replyBox: () => (detect ? detect.replyBoxNear(el, adapter.replyBox, (s) => s.matches(adapter.review)) : null),
        reread: () => readField(adapter.text, el, selectAll(adapter.exclude, el)),
      });
      claimed.add(el);
    }
    return found;
  }

  root.ReviewAdapters = { SHIPPED, parseAdapters, appliesTo, findReviews, parseRating, readField, cleanText, squash };
})(globalThis);
