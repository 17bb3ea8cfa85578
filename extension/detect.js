/* Generic review detection: finds reviews on pages no adapter knows.
 *
 * Real review pages mark reviews with data-* attributes and hashed class names, put the rating in an image's alt,
 * a title, a class name or ★ characters, and carry a title, an author, a date, a "More" link and the business's
 * own reply inside the same card. Three detectors, tried in order, each card taken once:
 *   1. schema.org Review objects in JSON-LD (also under @graph, nested `review` arrays), located back in the page
 *      by their reviewBody;
 *   2. schema.org Review microdata;
 *   3. repeated sibling blocks (at least two) that each carry a rating signal.
 * Per card: the review's own text (the largest text block that is not a link, button, hidden element, <noscript>,
 * title, author, date or the business's reply), the title, rating, author, date and a stable id.
 * Everything here only reads the page; nothing is parsed as markup.
 */
(function (root) {
  "use strict";

  const { cleanText, squash } = root.ReviewAdapters; // adapters.js is loaded first (manifest.json)
  const OWN = /^REVIEW-ASSISTANT-/;

  // -- ratings ---------------------------------------------------------------------------------------------
  const STAR = "(?:stars?|stelle|stella|sterne?n?|[ée]toiles?|estrellas?|estrelas?|gwiazd\\w*|hv[eě]zd\\w*|зв[её]зд\\w*|з[іi]р\\w*|zvaigzn\\w*|žvaigžd\\w*|tähte\\w*|csillag\\w*|yıldız\\w*|bubbles?|балл\\w*|бал(?:ів|и|а)?\\b)";
  const OF = "(?:out\\s+of|of|из|із|з|no|su|sur|von|de|di|z|iš|van|af|av|от|/)";
  const RATING_WORD = /rat(?:ed|ing)|score|оценк|оцінк|рейтинг|vērtēj|bewert|valutaz|voto|\bnote\b|calificaci|avalia|ocen[aie]|hodnocen|punte|\bpuan/i;
  const NOT_RATING = /page|image|photo|picture|slide|item|step|result|страниц|фото|изображ|слайд|сторінк|зображ|attēl|lapa|bild|seite|pagin|immagin|foto|página|товар/i;
  const AGGREGATE = /%|percent|процент|відсот|procent|reviews|ratings|recension|valutazioni|bewertungen|\bavis\b|reseñas|avaliações|отзыв|оценок|оценки\b|відгук|оцінок|atsauksm|vērtējum(?:i|u)\b|based on|average|средн|середн|vidēj|\(\s*\d/i;
  const PHRASE = new RegExp(`(\\d{1,3}(?:[.,]\\d{1,2})?)\\s*(?:${OF}\\s*(\\d{1,3}(?:[.,]\\d)?)\\s*)?(${STAR})?`, "giu");
  const WORD_NUMBERS = { one: 1, two: 2, three: 3, four: 4, five: 5 };

  const toNumber = (s) => parseFloat(String(s).replace(",", "."));
  const clampRating = (value, scale) => {
    if (!(value > 0) || !(scale > 0) || value > scale) return null;
    const r = Math.round((value / scale) * 5);
    return r >= 1 && r <= 5 ? r : null;
  };

  /** A rating phrase in any wording: "Rated 4 out of 5 stars", "4,0 su 5 stelle", "Оценка 4 из 5", "4 з 5 зірок",
   * "4 no 5", "4.0 star rating", "Rated 4 stars out of five stars". Returns {rating, aggregate} or null.
   * `short` lets a bare "4 of 5" count (a short label on its own); longer text needs a star or rating word. */
  function ratingFromPhrase(raw, short) {
    const text = squash(raw).replace(/\b(one|two|three|four|five)\b(?=\s*(?:stars?|$))/gi, (w) => WORD_NUMBERS[w.toLowerCase()]);
    if (!text || text.length > 160) return null;
    PHRASE.lastIndex = 0;
    let m;
    while ((m = PHRASE.exec(text))) {
      if (m[0].length === 0) { PHRASE.lastIndex++; continue; }
      const value = toNumber(m[1]);
      const before = text.slice(0, m.index);
      if (/\d[.,]?$/.test(before)) continue; // inside a longer number
      let scale = m[2] ? toNumber(m[2]) : 5;
      const hasStar = Boolean(m[3]);
      const hasOf = Boolean(m[2]);
      if (!hasStar && !hasOf) continue;
      if (hasOf && ![5, 10, 100].includes(scale)) continue;
      if (!hasOf && /five/i.test(text.slice(m.index))) scale = 5;
      if (hasOf && !hasStar) {
        const labelled = RATING_WORD.test(text) || /[.,]/.test(m[1]);
        if (!labelled && (!short || NOT_RATING.test(text))) continue;
      }
      if (NOT_RATING.test(before) && !RATING_WORD.test(text)) continue;
      const rating = clampRating(value, scale);
      if (rating) return { rating, aggregate: AGGREGATE.test(text.replace(m[0], "")) };
    }
    return null;
  }

  /** Class names that carry the rating: rating-50 (tenths), i-stars--regular-4, a-star-4, a-star-4-5, stars_45, star5. */
  const CLASS_RATING = /(?:^|[-_])(?:stars?|rating|rated|rate|score)(?:[-_]+(?:[a-z]+[-_]+)?|)(\d{1,2})(?:[-_](\d))?$/i;
  function ratingFromClass(el) {
    return ratingFromClassName(typeof el.className === "string" ? el.className : el.getAttribute && el.getAttribute("class"));
  }

  function ratingFromClassName(classes) {
    for (const token of String(classes || "").split(/\s+/)) {
      const m = CLASS_RATING.exec(token);
      if (!m) continue;
      let value = parseInt(m[1], 10);
      if (m[2] !== undefined) value = value + parseInt(m[2], 10) / 10;
      else if (m[1].length === 2) value = value / 10; // rating-45 → 4.5, rating-50 → 5.0
      const rating = clampRating(value, 5);
      if (rating) return rating;
    }
    return null;
  }

  /** "★★★★☆" → 4: a short text made only of star glyphs. */
  function ratingFromGlyphs(text) {
    const t = (text || "").replace(/\s+/g, "");
    if (!t || t.length > 10 || !/^[★☆✩✪⭐✭✮✯½]+$/u.test(t)) return null;
    const filled = (t.match(/[★⭐✪✭✮✯]/gu) || []).length;
    const empty = (t.match(/[☆✩]/gu) || []).length;
    if (!empty && filled > 5) return null; // an overlay of two star rows: the count says nothing
    return filled >= 1 && filled <= 5 ? filled : null;
  }

  const SIGNAL_SELECTOR = "[aria-label], [title], img[alt], [class*='star' i], [class*='rating' i], [class*='rate' i], " +
    "[class*='score' i], [data-rating], [data-score], [data-rating-value], [data-star], [data-stars], " +
    "[itemprop='ratingValue'], meter, input[type='range'][aria-valuenow]";
  const CAROUSEL = /carousel|slider|slide|swiper|pagination|pager|gallery|dots|breadcrumb/i;

  /** The rating an element states on its own (attributes, class, width overlay, glyphs), or null. */
  function signalOf(el) {
    if (OWN.test(el.nodeName)) return null;
    for (const attr of ["aria-label", "title", "alt", "data-rating", "data-score", "data-rating-value", "data-star", "data-stars", "content"]) {
      const raw = el.getAttribute(attr);
      if (!raw) continue;
      if (attr === "content" && el.getAttribute("itemprop") !== "ratingValue") continue;
      if (/^data-|^content$/.test(attr) && /^\s*\d+(?:[.,]\d+)?\s*$/.test(raw)) {
        const scale = toNumber(raw) > 5 ? (toNumber(raw) > 10 ? 100 : 10) : 5;
        const rating = clampRating(toNumber(raw), scale);
        if (rating) return { rating, aggregate: false };
        continue;
      }
      const found = ratingFromPhrase(raw, raw.length <= 20);
      if (found) {
        if (!found.aggregate && CAROUSEL.test(descriptor(el))) continue;
        return found;
      }
    }
    const byClass = ratingFromClass(el);
    if (byClass) return { rating: byClass, aggregate: false };
    // <div class="stars"><div style="width: 80%">: a filled overlay
    if (/star|rating/i.test(typeof el.className === "string" ? el.className : "")) {
      const fill = el.querySelector("[style*='width']");
      const m = fill && /width:\s*(\d{1,3}(?:\.\d+)?)%/.exec(fill.getAttribute("style") || "");
      const rating = m ? clampRating(parseFloat(m[1]), 100) : null;
      if (rating) return { rating, aggregate: false };
    }
    return null;
  }

  /** Elements carrying a rating in the subtree of `scope`: [{el, rating, aggregate}], outermost first. */
  function findSignals(scope) {
    const out = [];
    const seen = new Set();
    const add = (el, sig) => { if (sig && !seen.has(el)) { seen.add(el); out.push({ el, ...sig }); } };
    for (const el of scope.querySelectorAll(SIGNAL_SELECTOR)) add(el, signalOf(el));
    // Text signals: "4,0 su 5 stelle" in an offscreen span, "★★★★☆", "Оценка 4 из 5".
    const walker = document.createTreeWalker(scope, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const text = node.data;
      if (text.length > 80 || !/[\d★☆⭐]/u.test(text)) continue;
      const el = node.parentElement;
      if (!el || seen.has(el) || /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|TEXTAREA|OPTION)$/.test(el.nodeName)) continue;
      const glyphs = ratingFromGlyphs(text);
      if (glyphs) { add(el, { rating: glyphs, aggregate: false }); continue; }
      const own = squash(el.textContent);
      if (own.length > 80) continue;
      const sig = ratingFromPhrase(own, own.length <= 20);
      if (sig && !CAROUSEL.test(descriptor(el))) add(el, sig);
    }
    return out;
  }

  // -- what an element is ------------------------------------------------------------------------------------
  /** Tag, classes, id, data-* names and short values, itemprop, role: what the page says the element is. */
  function descriptor(el) {
    let d = el.nodeName.toLowerCase();
    for (const attr of el.attributes || []) {
      const name = attr.name;
      if (name === "class" || name === "id" || name === "itemprop" || name === "role") d += " " + attr.value;
      else if (name.startsWith("data-")) d += " " + name + (attr.value.length < 40 ? " " + attr.value : "");
    }
    return d;
  }

  const NOISE_TAGS = /^(A|BUTTON|NOSCRIPT|SCRIPT|STYLE|TEMPLATE|TEXTAREA|INPUT|SELECT|OPTION|LABEL|FORM|SVG|IMG|PICTURE|VIDEO|AUDIO|CANVAS|IFRAME|TIME|H[1-6]|FIGCAPTION|NAV|FOOTER|DIALOG|MENU)$/;
  const NOISE_ROLES = /^(button|link|menu|menuitem|tab|tablist|toolbar|navigation|img|dialog|checkbox|radio|switch|textbox|searchbox|combobox)$/;
  const TITLE_HINT = /(?:^|[\s_-])(?:[a-z]*title|headline|heading|subject|summary)|title|headline/i;
  const AUTHOR_HINT = /author|reviewer|profile-?name|consumer-?name|user-?name|username|display-?name|customer-?name|buyer|nickname|\bnick\b|byline/i;
  const DATE_HINT = /date|datetime|published|posted|\btime\b|time-?ago|timestamp/i;
  const META_HINT = /badge|verified|helpful|vote|report|abuse|flag|share|format-strip|variant|attribute|avatar|photo|image|gallery|stats|count|tag-?list|location|country|recommend|employee|toolbar|actions|footer|sr-only|visually-?hidden|offscreen|a-icon-alt|read-?more|more-?link|expander?-?(?:button|link|header|prompt|toggle)|toggle/i;
  const BODY_HINT = /review-?body|reviewbody|review-?text|reviewtext|review-?content|text-?content|\bcomment|\bbody|\bcontent|\bmessage|\bdescription|\braw|\btext(?![-_]?(?:left|right|center|justify|muted|small|large|bold|nowrap|truncate|xs|sm|md|lg|secondary|primary|dark|light|gr[ae]y|white|black|colou?r|align|wrap|\d))|typography|snippet|full-?text|feedback/i;
  const REPLY_HINT = /reply|repl(?:ies)|respon[sd]|answer|owner-?comment|business-?comment|merchant|seller-?comment|company-?comment|developer-?response|ответ|відповід/i;
  const REPLY_HEADING = /^(?:response|reply|comment|answer|message)\s+(?:from|by)\b|^(?:owner|business|dealer|seller|developer|store|shop|company)(?:'s)?\s+(?:response|reply|comment|answer)|^(?:ответ|відповідь|atbilde|risposta|respuesta|réponse|antwort|odpowiedź|odpověď)(?![\p{L}])|^(?:официальный ответ|офіційна відповідь)/iu;
  const COUNT = /^\(?\d[\d\s,.]*\)?\s*(?:reviews?|ratings?|votes?|recensioni|valutazioni|voti|bewertungen|avis|reseñas|отзыв\w*|оцен\w*|відгук\w*|оцін\w*|atsauksm\w*|vērtējum\w*|photos?|фото)?$/i;
  const PRICE = /^[\s(]*(?:(?:[$€£₽₴¥₸]|руб\.?|грн\.?|eur|usd|uah|rub|zł)\s*\d[\d\s.,\u00a0\u202f]*|\d[\d\s.,\u00a0\u202f]*\s*(?:[$€£₽₴¥₸]|руб\.?|грн\.?|eur|usd|uah|rub|zł|kr|₺))[\s)]*$/i;
  const CART = /add[-_ ]?to[-_ ]?(?:cart|basket|bag)|buy[-_ ]?now|в корзину|у кошик|до кошика|grozā|in den warenkorb|aggiungi al carrello|ajouter au panier|price|цена|ціна/i;

  const visible = (el) => (el.checkVisibility ? el.checkVisibility({ checkOpacity: false, checkVisibilityCSS: true }) : el.getClientRects().length > 0);

  function isHidden(el) {
    if (el.hidden || el.getAttribute("aria-hidden") === "true") return true;
    return !visible(el);
  }

  /** The business's own reply inside a card: by its markup (class/data names) or by its heading ("Reply from …"). */
  function replyParts(card) {
    const parts = new Set();
    const cardLength = squash(card.textContent).length;
    for (const el of card.querySelectorAll("*")) {
      if (OWN.test(el.nodeName) || [...parts].some((p) => p.contains(el))) continue;
      const d = descriptor(el);
      if (REPLY_HINT.test(d) && !/textarea|contenteditable/i.test(d)) {
        // Not a wrapper around the whole review ("review-with-response"): a reply is a part of the card.
        if (squash(el.textContent).length < cardLength * 0.8 || !cardLength) {
          parts.add(el);
          // A reply's header ("Developer Response", "Reply from …" + date): the reply's text follows it.
          const own = squash(el.textContent);
          if (own && own.length < 80 && (REPLY_HEADING.test(own) || /head|title|info|meta/i.test(d))) {
            for (let n = el.nextElementSibling; n; n = n.nextElementSibling) parts.add(n);
          }
          continue;
        }
      }
      if (el.children.length > 3) continue;
      const text = squash(el.textContent);
      if (text.length && text.length < 80 && REPLY_HEADING.test(text)) {
        // The reply is the highest block below the card that starts with its heading ("Reply from …" + its text);
        // with the heading right in the card, the heading and what follows it.
        let block = el;
        while (block.parentElement && block.parentElement !== card && squash(block.parentElement.textContent).startsWith(text)) block = block.parentElement;
        if (block.parentElement === card && block === el) {
          for (let n = el; n; n = n.nextElementSibling) parts.add(n);
        } else parts.add(block);
      }
    }
    // A reply headed only by a byline: a block after the review's text whose first line is a name and a date,
    // with no rating in it ("Trailmark Inc. · October 7, 2024" + the answer). The review's own header has the stars.
    for (const c of card.querySelectorAll("*")) {
      if (c.children.length < 2 || [...parts].some((p) => p.contains(c) || c.contains(p))) continue;
      const first = c.firstElementChild;
      const head = squash(first.textContent);
      if (!head || head.length > 80 || !DATE_TEXT.test(head)) continue;
      if (squash(c.textContent).length - head.length < 20 || findSignals(c).length || signalOf(c)) continue;
      const before = document.createRange();
      before.setStart(card, 0);
      before.setEndBefore(c);
      if (squash(before.toString()).length < 20) continue;
      parts.add(c);
    }
    return parts;
  }

  // -- fields of one card --------------------------------------------------------------------------------
  const DATE_TEXT = /\b(?:19|20)\d{2}\b|\b\d{1,2}[./-]\d{1,2}[./-]\d{2,4}\b|\b(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|gen|mag|giu|lug|ago|set|ott|dic|янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек|січ|лют|бер|кві|тра|чер|лип|сер|вер|жов|лис|гру|janv|févr|avr|juil|sept|déc)[a-zа-яіїєё]*\.?\s+\d|\d\s+(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec|gen|mag|giu|lug|ago|set|ott|dic|янв|фев|мар|апр|ма[йя]|июн|июл|авг|сен|окт|ноя|дек|січ|лют|бер|кві|тра|чер|лип|сер|вер|жов|лис|гру)|(?<![\p{L}])(?:ago|назад|тому|pirms|yesterday|today|вчера|сегодня|вчора|сьогодні|vakar|šodien)(?![\p{L}])/iu;

  function firstMatch(card, selector, test, avoid) {
    for (const el of card.querySelectorAll(selector)) {
      if (OWN.test(el.nodeName) || (avoid && avoid.some((a) => a && (a === el || a.contains(el) || el.contains(a))))) continue;
      const r = test(el);
      if (r) return r;
    }
    return null;
  }

  const stripAuthor = (s) => squash(s).replace(/^(?:reviewed\s+by|written\s+by|posted\s+by|by|от|від|autors?:?|author:?|[-–—]\s*)\s*/i, "").replace(/\s*[-–—|·,]\s*$/, "");

  function authorOf(card, skip, avoid) {
    const ok = (text) => {
      const t = stripAuthor(text);
      return t && t.length <= 60 && t.split(" ").length <= 6 && /\p{L}/u.test(t) && !DATE_TEXT.test(t) && !ratingFromPhrase(t, true) ? t : null;
    };
    const read = (el) => ok(cleanText(el, (c) => skip(c) || /^(IMG|SVG|TIME)$/.test(c.nodeName)));
    const itemprop = firstMatch(card, "[itemprop='author']", (el) => {
      const name = el.querySelector("[itemprop='name']");
      return ok((name && (name.getAttribute("content") || name.textContent)) || el.getAttribute("content") || el.textContent);
    }, avoid);
    if (itemprop) return itemprop;
    const named = firstMatch(card, "*", (el) => (!el.children.length || el.children.length <= 2) && AUTHOR_HINT.test(descriptor(el)) && !isReplyish(el, card) ? read(el) : null, avoid);
    if (named) return named;
    const profile = firstMatch(card, "a[href]", (el) => /user|profile|member|reviewer|people|account|contrib|\/u\//i.test(el.getAttribute("href")) ? read(el) : null, avoid);
    if (profile) return profile;
    const prefixed = firstMatch(card, "*", (el) => {
      if (el.children.length > 1) return null;
      const t = squash(el.textContent);
      return /^(?:by|от|від|[-–—])\s+\S/i.test(t) && t.length < 60 ? ok(t) : null;
    }, avoid);
    if (prefixed) return prefixed;
    const userish = firstMatch(card, "*", (el) => !el.children.length && /(?:^|[\s_-])(?:user|name|person|client|customer)(?:$|[\s_-])/i.test(descriptor(el)) && !isReplyish(el, card) ? read(el) : null, avoid);
    if (userish) return userish;
    // Maps-style cards are labelled with the author's name; avatars say "Photo of Name".
    const label = card.getAttribute("aria-label");
    if (label && !signalOf(card)) {
      const named = ok(label);
      if (named && named.split(" ").length <= 4) return named;
    }
    const avatar = firstMatch(card, "img[alt], [aria-label]", (el) => {
      const m = /^(?:photo of|фото|фотография|foto|avatar (?:of|di|von)|аватар)\s+(.+)$/i.exec(squash(el.getAttribute("alt") || el.getAttribute("aria-label")));
      return m ? ok(m[1]) : null;
    }, avoid);
    if (avatar) return avatar;
    return firstShortText(card, skip, avoid, ok);
  }

  /** The first short, name-like text in the card before the review text (cards usually start with the author). */
  function firstShortText(card, skip, avoid, ok) {
    const body = avoid && avoid[avoid.length - 1];
    const walker = document.createTreeWalker(card, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const t = squash(node.data);
      if (!t) continue;
      const el = node.parentElement;
      if (body && (body.contains(el) || body.compareDocumentPosition(node) & Node.DOCUMENT_POSITION_FOLLOWING)) return null;
      if (avoid.some((a) => a && a.contains(el))) continue;
      let skipped = false;
      for (let n = el; n && n !== card; n = n.parentElement) {
        if ((n.nodeName !== "BUTTON" && skip(n)) || /^(H[1-6]|TIME|LABEL)$/.test(n.nodeName) || TITLE_HINT.test(descriptor(n)) || DATE_HINT.test(descriptor(n))) { skipped = true; break; }
      }
      if (skipped || t.length < 2 || t.split(" ").length > 4 || COUNT.test(t) || /^[\p{Lu}]{1,3}$/u.test(t) || /[.!?]$/.test(t.replace(/\b[A-ZА-Я]\.$/, ""))) continue;
      const name = ok(t);
      if (name) return name;
    }
    return null;
  }

  function isReplyish(el, card) {
    for (let n = el; n && n !== card; n = n.parentElement) if (REPLY_HINT.test(descriptor(n))) return true;
    return false;
  }

  function dateOf(card, avoid) {
    const time = firstMatch(card, "time", (el) => el.getAttribute("datetime") || squash(el.textContent) || null, avoid);
    if (time) return time;
    const meta = firstMatch(card, "[itemprop='datePublished']", (el) => el.getAttribute("content") || squash(el.textContent) || null, avoid);
    if (meta) return meta;
    return firstMatch(card, "*", (el) => {
      if (el.children.length > 2 || !DATE_HINT.test(descriptor(el))) return null;
      const t = squash(el.getAttribute("content") || el.textContent);
      if (!t || t.length >= 80 || !DATE_TEXT.test(t)) return null;
      const leaf = [...el.querySelectorAll("*")].find((c) => !c.children.length && DATE_TEXT.test(squash(c.textContent)));
      return leaf ? squash(leaf.textContent) : t;
    }, avoid);
  }

  function titleOf(card, skip, avoid) {
    return firstMatch(card, "h1, h2, h3, h4, h5, h6, [class*='title' i], [class*='headline' i], [data-hook*='title'], [data-testid*='title' i], " +
      "[itemprop='name'], [itemprop='headline'], [data-service-review-title-typography], [class*='heading' i]", (el) => {
      if (el.getAttribute("itemprop") === "name" && el.closest("[itemprop='author'], [itemprop='itemReviewed'], [itemprop='publisher']")) return null;
      if (isReplyish(el, card)) return null;
      const t = cleanText(el, (c) => skip(c, true) || /^(IMG|SVG|TIME)$/.test(c.nodeName) || Boolean(signalText(c)));
      return t && t.length <= 200 ? { el, text: t } : null;
    }, avoid);
  }

  /** An element whose whole text is a rating phrase or star glyphs ("4,0 su 5 stelle"): not part of any text. */
  function signalText(el) {
    const t = squash(el.textContent);
    return t && t.length <= 80 && (ratingFromGlyphs(t) || ratingFromPhrase(t, t.length <= 20)) ? t : "";
  }

  /** The card's rating: the first non-aggregate signal outside the reply. */
  function ratingOf(card, avoid) {
    const own = signalOf(card);
    if (own && !own.aggregate) return own.rating;
    for (const sig of findSignals(card)) {
      if (sig.aggregate || isReplyish(sig.el, card)) continue;
      if (avoid && avoid.some((a) => a && a.contains(sig.el))) continue;
      return sig.rating;
    }
    return null;
  }

  /** Block element of a node inside `card`: the nearest ancestor that is not laid out inline. */
  function blockOf(node, card) {
    for (let el = node.parentElement; el && el !== card; el = el.parentElement) {
      const display = getComputedStyle(el).display;
      if (display && !display.startsWith("inline") && display !== "contents") return el;
    }
    return card;
  }

  /** The review's own text in a card. `exclude`: elements to leave out (title, author, date, reply, adapter's list). */
  function textOf(card, exclude) {
    const replies = replyParts(card);
    const excluded = new Set([...replies, ...(exclude || [])].filter(Boolean));
    const skip = (el, keepHidden) => {
      if (OWN.test(el.nodeName) || excluded.has(el)) return true;
      if (NOISE_TAGS.test(el.nodeName)) return true;
      const role = el.getAttribute("role");
      if (role && NOISE_ROLES.test(role)) return true;
      if (el.isContentEditable) return true;
      if (!keepHidden && isHidden(el)) return true;
      const d = descriptor(el);
      if (META_HINT.test(d) || TITLE_HINT.test(d.replace(/[-_]?subtitle/gi, "")) || AUTHOR_HINT.test(d)) return true;
      const own = squash(el.textContent);
      if (DATE_HINT.test(d) && own.length < 80) return true;
      if (COUNT.test(own)) return true;
      return Boolean(signalText(el));
    };
    // Group the visible text nodes by their block; score = length, more for blocks named like a review body.
    const blocks = new Map();
    const visit = (node) => {
      for (let child = node.firstChild; child; child = child.nextSibling) {
        if (child.nodeType === 3) {
          if (!child.data.trim()) continue;
          const block = blockOf(child, card);
          blocks.set(block, true);
        } else if (child.nodeType === 1 && !skip(child)) visit(child);
      }
    };
    visit(card);
    let best = null;
    for (const block of blocks.keys()) {
      const text = cleanText(block, skip);
      if (!text || !/\p{L}/u.test(text) || PRICE.test(text)) continue;
      let score = text.length;
      for (let n = block; n && n !== card; n = n.parentElement) { // the card's own name says nothing about one block
        if (BODY_HINT.test(descriptor(n)) || n.hasAttribute("lang") && n !== card) { score *= 3; break; }
      }
      if (!best || score > best.score) best = { el: block, text, score };
    }
    if (!best) return null;
    // Paragraphs: <p> siblings of the chosen one with their own text belong to the same review.
    if (best.el.nodeName === "P" && best.el.parentElement && best.el.parentElement !== card) {
      const paras = [...best.el.parentElement.children].filter((c) => c.nodeName === "P" && !skip(c));
      if (paras.length > 1 && paras.every((p) => blocks.has(p) || !squash(p.textContent))) {
        const joined = paras.map((p) => cleanText(p, skip)).filter(Boolean).join("\n");
        best = { el: best.el.parentElement, text: joined, score: best.score };
      }
    }
    // A visible snippet with its full text in a hidden sibling ("… More"): take the full text.
    const stem = best.text.replace(/\s*(?:…|\.\.\.)\s*$/, "");
    if (stem.length >= 20 && stem.length < best.text.length + 1) {
      for (const hidden of card.querySelectorAll("*")) {
        if (hidden.contains(best.el) || excluded.has(hidden) || !isHidden(hidden) || /^(NOSCRIPT|SCRIPT|TEMPLATE|TEXTAREA)$/.test(hidden.nodeName)) continue;
        const full = cleanText(hidden, (el) => OWN.test(el.nodeName) || /^(A|BUTTON|NOSCRIPT|SCRIPT)$/.test(el.nodeName));
        if (full.length > stem.length && full.startsWith(stem.slice(0, Math.min(stem.length, 60)))) {
          best = { el: best.el, text: full, score: best.score };
          break;
        }
      }
    }
    return { el: best.el, text: best.text, replies };
  }

  // -- ids -----------------------------------------------------------------------------------------------------
  const ID_ATTRS = ["data-review-id", "data-reviewid", "data-review-uuid", "data-feedback-id", "data-comment-id", "data-id", "itemid"];
  const GENERIC_ID = /^(?:review|reviews|card|item|content|main|root|container|wrapper|list)$/i;

  /** A stable id the page gives the review: a data-*id attribute or a distinctive element id. */
  function idOf(card) {
    for (const attr of ID_ATTRS) {
      const v = card.getAttribute(attr);
      if (v && v.trim()) return v.trim();
    }
    for (const attr of card.attributes) {
      if (/^data-[\w-]*(?:review|comment|feedback)[\w-]*-?id$/i.test(attr.name) && attr.value.trim()) return attr.value.trim();
    }
    const id = card.id;
    if (id && !GENERIC_ID.test(id) && /\d/.test(id) && id.length >= 4 && document.querySelectorAll(`[id="${CSS.escape(id)}"]`).length === 1) return id;
    const anchor = card.querySelector(":scope > a[name], :scope > a[id]");
    if (anchor && /\d/.test(anchor.getAttribute("name") || anchor.id)) return anchor.getAttribute("name") || anchor.id;
    return null;
  }

  /** FNV-1a (two lanes): a short, stable hash for "author + date + text" when the page gives no id. */
  function hash(text) {
    let h1 = 0x811c9dc5, h2 = 0x01000193 ^ 0x5bd1e995;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    return ((h1 >>> 0).toString(16).padStart(8, "0") + (h2 >>> 0).toString(16).padStart(8, "0"));
  }

  /** Only absolute dates go into the hash: "3 weeks ago" changes while the review does not. */
  const absoluteDate = (date) => (date && /\b(?:19|20)\d{2}\b/.test(date) ? date : "");

  // -- one card → one review -------------------------------------------------------------------------------
  function describeCard(card, how, known) {
    known = known || {};
    const replies = replyParts(card);
    const skipBase = (el, keepHidden) => OWN.test(el.nodeName) || replies.has(el) || NOISE_TAGS.test(el.nodeName) && !/^(H[1-6]|A|TIME)$/.test(el.nodeName) || (!keepHidden && isHidden(el));
    const title = known.title !== undefined ? { el: known.titleEl || null, text: known.title } : titleOf(card, skipBase, [...replies]);
    const body = known.text ? { el: known.textEl, text: known.text, replies } : textOf(card, [title && title.el]);
    if (!body || !body.text) return null;
    const avoid = [...replies, body.el];
    const author = known.author !== undefined ? known.author : authorOf(card, skipBase, avoid);
    const date = known.date !== undefined ? known.date : dateOf(card, avoid);
    const rating = known.rating !== undefined ? known.rating : ratingOf(card, [...replies]);
    const ownId = known.id || idOf(card);
    return {
      el: card, adapter: how, text: body.text, textEl: body.el && body.el !== card ? body.el : null,
      title: title && title.text && title.text !== body.text ? title.text : null,
      rating: rating || null, author: author || null, date: date || null,
      externalId: ownId ? String(ownId).slice(0, 200) : null,
      hashId: hash([author || "", absoluteDate(date), squash(body.text)].join("\u0001")),
      reread: known.text ? null : () => { const again = textOf(card, [title && title.el]); return again ? again.text : ""; },
    };
  }

  const MORE = /^(?:read more|more|see more|show more|ещё|еще|читать (?:далее|полностью|ещё)|показать (?:полностью|ещё)|показати (?:повністю|ще)|читати (?:далі|повністю)|більше|ще|vairāk|rādīt vairāk|lasīt vairāk|leggi di più|altro|mehr|mehr anzeigen|plus|voir plus|ver más|mostra di più)$/i;

  /** A text cut with "…" and a "More" control in its card: press it (buttons and script links only, never a link
   * that navigates) and read the text again. Returns the full text, or the text as it was. */
  async function expandText(review) {
    const cut = /(?:…|\.\.\.)$/.test(review.text || "");
    if (!cut || !review.reread || !review.el.isConnected) return review.text;
    const replies = replyParts(review.el);
    const control = [...review.el.querySelectorAll("button, a, [role='button']")].find((b) => {
      if ([...replies].some((r) => r.contains(b))) return false;
      const href = b.nodeName === "A" ? (b.getAttribute("href") || "") : "";
      if (href && !/^(?:#|javascript:)/i.test(href.trim())) return false;
      return MORE.test(squash(b.textContent)) || MORE.test(squash(b.getAttribute("aria-label")));
    });
    if (!control) return review.text;
    control.click();
    for (let i = 0; i < 15; i++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const again = review.reread();
      if (again && again !== review.text && !/(?:…|\.\.\.)$/.test(again)) return again;
    }
    return review.reread() || review.text;
  }

  // -- 1. JSON-LD ---------------------------------------------------------------------------------------------
  const ENTITIES = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'", nbsp: " ", "#39": "'" };
  const decodeEntities = (s) => String(s).replace(/&(#x[0-9a-f]+|#\d+|[a-z]+\d*);/gi, (m, e) => {
    if (e[0] === "#") return String.fromCodePoint(e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10));
    return ENTITIES[e.toLowerCase()] ?? m;
  });
  const typeOf = (o) => [].concat(o && o["@type"] || []).map((t) => String(t).replace(/^.*[/#:]/, ""));
  const nameOf = (v) => typeof v === "string" ? v : Array.isArray(v) ? nameOf(v[0]) : v && typeof v === "object" ? (v.name || v.alternateName || "") : "";

  /** schema.org Review objects anywhere in the page's JSON-LD (under @graph, `review` arrays, itemReviewed…). */
  function jsonLdReviews(doc) {
    const found = [];
    const seen = new Set();
    const walk = (node, depth) => {
      if (!node || typeof node !== "object" || depth > 12 || seen.has(node)) return;
      seen.add(node);
      if (Array.isArray(node)) { node.forEach((n) => walk(n, depth + 1)); return; }
      const types = typeOf(node);
      if (types.some((t) => /Review$/.test(t)) && !types.includes("AggregateRating")) {
        const body = node.reviewBody || node.text || node.description;
        if (typeof body === "string" && squash(body)) found.push(node);
      }
      for (const [key, value] of Object.entries(node)) if (key !== "@context") walk(value, depth + 1);
    };
    for (const script of doc.querySelectorAll("script[type='application/ld+json' i]")) {
      try { walk(JSON.parse(script.textContent), 0); } catch (e) { /* a broken block: skip it */ }
    }
    return found.map((r) => {
      const rating = r.reviewRating && typeof r.reviewRating === "object" ? r.reviewRating : null;
      const best = rating && toNumber(rating.bestRating) > 0 ? toNumber(rating.bestRating) : 5;
      const worst = rating && toNumber(rating.worstRating) >= 0 ? toNumber(rating.worstRating) : 1;
      let value = rating ? toNumber(rating.ratingValue) : NaN;
      if (best !== 5 && worst === 0 && value >= 0) value = value + 0; // 0..10 style scales map linearly below
      return {
        text: squash(decodeEntities(r.reviewBody || r.text || r.description)),
        title: squash(decodeEntities(r.name || r.headline || "")) || null,
        author: squash(decodeEntities(nameOf(r.author))) || null,
        date: r.datePublished || r.dateCreated || null,
        rating: Number.isFinite(value) ? clampRating(value, best) : null,
        id: r["@id"] || r.identifier && (typeof r.identifier === "object" ? r.identifier.value : r.identifier) || r.url || null,
      };
    });
  }

  /** The element showing a text: the block holding its first words (the page may show it cut, with "More"). */
  function locate(text, doc, used) {
    const probes = [];
    const first = squash(text.split(/\n/)[0]);
    probes.push(first.slice(0, 60));
    if (text.length > 80) probes.push(squash(text).slice(20, 70));
    for (const probe of probes) {
      if (probe.length < 4) continue;
      const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        const parent = node.parentElement;
        if (!parent || /^(SCRIPT|STYLE|NOSCRIPT|TEMPLATE|TEXTAREA|TITLE)$/.test(parent.nodeName) || OWN.test(parent.nodeName)) continue;
        if (!squash(node.data).includes(probe.slice(0, Math.min(probe.length, squash(node.data).length)))) continue;
        if (squash(node.data).length < Math.min(probe.length, 12)) continue;
        const block = parent.closest("p, div, section, article, li, blockquote, span, dd, td") || parent;
        if (used.has(block) || isHidden(block) && !isHidden(parent.parentElement || parent)) continue;
        return block;
      }
    }
    return null;
  }

  /** Card of a located text: the highest ancestor that holds no other review's text. */
  function cardAround(textEl, others) {
    let card = textEl;
    for (let depth = 0; depth < 8; depth++) {
      const parent = card.parentElement;
      if (!parent || parent === document.body || parent === document.documentElement) break;
      if (others.some((o) => o !== textEl && parent.contains(o))) break;
      if (others.length === 1 && squash(parent.textContent).length > squash(textEl.textContent).length * 2 + 600) break;
      card = parent;
    }
    return card;
  }

  function fromJsonLd(doc) {
    const items = jsonLdReviews(doc);
    if (!items.length) return { reviews: [], declared: 0 };
    const used = new Set();
    const located = [];
    for (const item of items) {
      const el = locate(item.text, doc, used);
      if (!el) continue;
      used.add(el);
      located.push({ item, el });
    }
    const els = located.map((l) => l.el);
    const reviews = [];
    for (const { item, el } of located) {
      const card = cardAround(el, els);
      const review = describeCard(card, "schema.org JSON-LD", {
        text: item.text, textEl: el, title: item.title || undefined, author: item.author || undefined,
        date: item.date || undefined, rating: item.rating || undefined, id: item.id,
      });
      if (review) reviews.push(review);
    }
    return { reviews, declared: items.length };
  }

  // -- 2. microdata --------------------------------------------------------------------------------------------
  function fromMicrodata(doc) {
    const reviews = [];
    for (const card of doc.querySelectorAll("[itemtype*='schema.org/Review' i], [itemprop='review']")) {
      const type = card.getAttribute("itemtype") || "";
      if (/AggregateRating/i.test(type) || !card.hasAttribute("itemscope")) continue;
      const own = (sel) => [...card.querySelectorAll(sel)].find((el) => el.parentElement && el.parentElement.closest("[itemscope]") === card);
      const bodyEl = own("[itemprop='reviewBody']") || own("[itemprop='description']");
      const ratingEl = card.querySelector("[itemprop='reviewRating'] [itemprop='ratingValue'], [itemprop='ratingValue']");
      const bestEl = card.querySelector("[itemprop='bestRating']");
      const best = bestEl ? toNumber(bestEl.getAttribute("content") || bestEl.textContent) || 5 : 5;
      const rating = ratingEl ? clampRating(toNumber(ratingEl.getAttribute("content") || ratingEl.textContent), best) : undefined;
      const nameEl = own("[itemprop='name']") || own("[itemprop='headline']");
      const dateEl = card.querySelector("[itemprop='datePublished']");
      let known = { rating: rating || undefined };
      if (nameEl) known = { ...known, title: squash(nameEl.getAttribute("content") || nameEl.textContent), titleEl: nameEl };
      if (dateEl) known.date = dateEl.getAttribute("content") || dateEl.getAttribute("datetime") || squash(dateEl.textContent);
      if (bodyEl) {
        const replies = replyParts(card);
        const text = cleanText(bodyEl, (el) => OWN.test(el.nodeName) || replies.has(el) || /^(A|BUTTON|NOSCRIPT|SCRIPT|STYLE|TEMPLATE|TEXTAREA)$/.test(el.nodeName) || isHidden(el));
        if (text) known = { ...known, text, textEl: bodyEl };
      }
      const review = describeCard(card, "schema.org microdata", known);
      if (review) {
        review.externalId = review.externalId || card.getAttribute("itemid") || null;
        reviews.push(review);
      }
    }
    return reviews;
  }

  // -- 3. repeated blocks with a rating signal -----------------------------------------------------------------
  function looksLikeProduct(card) {
    for (const el of card.querySelectorAll("*")) {
      if (el.children.length > 3) continue;
      if (CART.test(descriptor(el))) return true;
      const t = squash(el.textContent);
      if (t && t.length < 30 && PRICE.test(t)) return true;
      if ((el.nodeName === "BUTTON" || el.getAttribute("role") === "button") && CART.test(t)) return true;
    }
    return false;
  }

  const classSet = (el) => new Set(String(el.getAttribute("class") || "").split(/\s+/).filter(Boolean));
  /** Records of one list look alike: same tag, mostly the same classes (odd/even or "highlighted" may differ). */
  function similar(a, b) {
    if (a.nodeName !== b.nodeName) return false;
    const x = classSet(a), y = classSet(b);
    if (!x.size && !y.size) return true;
    let common = 0;
    for (const c of x) if (y.has(c)) common++;
    return common / (x.size + y.size - common) >= 0.5;
  }

  /** `claimed`: cards taken by earlier detectors or earlier scans (they already have buttons); they are not
   * described again, but they count as the repetition a new card needs. */
  function fromRatingBlocks(doc, claimed) {
    const signals = findSignals(doc.body).filter((s) => !s.aggregate).slice(0, 600);
    if (signals.length < 2) return { reviews: [], signals: signals.length };
    const bearing = new Set(); // elements with a signal inside
    for (const s of signals) for (let n = s.el; n && n !== doc.body && !bearing.has(n); n = n.parentElement) bearing.add(n);
    // A candidate card: an ancestor of a signal with a look-alike sibling that carries a signal too.
    const cards = new Set();
    const evaluated = new Set();
    for (const s of signals) {
      for (let a = s.el; a && a.parentElement && a !== doc.body; a = a.parentElement) {
        if (evaluated.has(a)) break;
        evaluated.add(a);
        if ([...a.parentElement.children].some((c) => c !== a && bearing.has(c) && similar(a, c))) cards.add(a);
      }
    }
    const described = [];
    let alongsideClaimed = false;
    for (const card of cards) {
      if (claimed.has(card)) { alongsideClaimed = true; continue; }
      if ([...claimed].some((c) => c.contains(card) || card.contains(c))) continue;
      if (looksLikeProduct(card)) continue;
      const review = describeCard(card, "rating blocks");
      if (!review || !review.rating || !/\p{L}.*\p{L}/u.test(review.text)) continue;
      described.push(review);
    }
    // Labels that repeat on the page ("Customer Service" in every review's sub-ratings) are not reviews.
    const counts = new Map();
    for (const r of described) counts.set(r.text, (counts.get(r.text) || 0) + 1);
    const valid = described.filter((r) => counts.get(r.text) === 1 || r.text.length > 80);
    // A block holding a list (two look-alike valid records) is not one review; inside a kept card, the outer wins.
    const holdsList = (r) => {
      const inner = valid.filter((o) => o !== r && r.el.contains(o.el));
      return inner.some((a) => inner.some((b) => b !== a && b.el.parentElement === a.el.parentElement && similar(a.el, b.el)));
    };
    const cardsOnly = valid.filter((r) => !holdsList(r));
    const reviews = cardsOnly.filter((r) => !cardsOnly.some((o) => o !== r && o.el.contains(r.el)));
    // The repetition that started it: at least two reviews found this way.
    const repeated = reviews.length >= 2 || (alongsideClaimed && reviews.some((r) => [...r.el.parentElement.children].some((c) => claimed.has(c))));
    return { reviews: repeated ? reviews : [], signals: signals.length };
  }

  // -- reply boxes ----------------------------------------------------------------------------------------------
  const BOX = "textarea, [contenteditable='true'], [contenteditable=''], [contenteditable='plaintext-only'], [role='textbox']";
  const NOT_A_REPLY = /search|поиск|пошук|meklē|cerca|such|buscar|recherche|query|\bq\b|question|\\bask\\b|вопрос|питання|jautāj|domanda|contact|kontakt|контакт|newsletter|subscribe|email|e-mail|phone|телефон|coupon|promo|zip|postcode|login|password/i;

  /** What a box says it is: its label, aria-label or placeholder (shown in the notice). */
  function boxName(box) {
    const labelled = box.getAttribute("aria-labelledby");
    const byId = labelled && document.getElementById(labelled.split(/\s+/)[0]);
    const label = box.id && document.querySelector(`label[for="${CSS.escape(box.id)}"]`);
    const wrapping = box.closest("label") || (box.previousElementSibling && box.previousElementSibling.nodeName === "LABEL" ? box.previousElementSibling : null);
    const name = squash(box.getAttribute("aria-label") || (byId && byId.textContent) || (label && label.textContent) ||
      (wrapping && wrapping.textContent) || box.getAttribute("placeholder") || box.dataset.placeholder || box.getAttribute("title") || box.getAttribute("name") || "");
    return name.slice(0, 80);
  }

  /** A box meant for a reply: not a search field, not a question, contact or sign-in form, not disabled. */
  function isReplyBox(box) {
    if (!box || OWN.test(box.nodeName) || box.closest("review-assistant-panel")) return false;
    if (box.disabled || box.readOnly || box.getAttribute("aria-disabled") === "true") return false;
    if (box.nodeName === "INPUT" && !/^(text|)$/i.test(box.getAttribute("type") || "")) return false;
    if (box.getAttribute("role") === "searchbox" || box.closest("[role='search'], search")) return false;
    const form = box.closest("form");
    if (form && (form.getAttribute("role") === "search" || form.querySelector("input[type='email'], input[type='tel'], input[type='password'], input[type='search']"))) return false;
    const what = [boxName(box), box.getAttribute("name"), box.id, box.className, form && (form.getAttribute("action") || form.id || form.className)].filter(Boolean).join(" ");
    return !NOT_A_REPLY.test(what);
  }

  /** The review's own reply box: inside its card, else in the next two siblings (not another review's). */
  function replyBoxNear(card, selector, isCard) {
    const pick = (scope) => [...scope.querySelectorAll(selector || BOX)].find((b) => isReplyBox(b) && visible(b));
    const inside = (scope) => (scope.matches(selector || BOX) && isReplyBox(scope) ? scope : pick(scope));
    const own = pick(card);
    if (own) return own;
    let sibling = card.nextElementSibling;
    for (let i = 0; sibling && i < 2; i++, sibling = sibling.nextElementSibling) {
      if (isCard && isCard(sibling)) break;
      const found = inside(sibling);
      if (found) return found;
    }
    return null;
  }

  // -- the page as a whole --------------------------------------------------------------------------------------
  const REVIEWISH = /review|отзыв|відгук|atsauksm|recension|bewertung|\bavis\b|opinion|reseñ|avalia|kommentar|comentari|feedback/i;

  /** Does this page look like it lists reviews (used for the "select the text and use the menu" hint)? */
  function looksLikeReviewPage(doc, stats) {
    if (stats.declared > 0) return true; // the page declares Review objects we could not find on screen
    const where = `${doc.title} ${location.pathname} ${(doc.querySelector("h1") || {}).textContent || ""}`;
    return REVIEWISH.test(where) && stats.signals >= 2;
  }

  root.ReviewDetect = {
    ratingFromPhrase, ratingFromClass, ratingFromClassName, ratingFromGlyphs, signalOf, findSignals, textOf, describeCard, replyParts,
    jsonLdReviews, fromJsonLd, fromMicrodata, fromRatingBlocks, replyBoxNear, isReplyBox, boxName, looksLikeReviewPage,
    cleanText, isHidden, hash, absoluteDate, squash, BOX, expandText,
  };
})(globalThis);
