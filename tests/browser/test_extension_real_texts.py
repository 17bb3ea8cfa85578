"""Real customers' texts in real page shapes: the generic detector reads each review's text exactly.

The texts come from /work/shared/real-reviews/ (read in place, never copied into the repository; skipped when
the folder is absent): Amazon and Yelp reviews in English, Rozetka reviews in Ukrainian (with their
"Pros:/Cons:" lines), Russian restaurant reviews. They are laid out, ten to a page, in four shapes taken from
tests/browser/fixtures/shapes/ (Yelp, Amazon, DealerRater, JSON-LD only), with the business's reply in some
cards. Real texts carry what fixtures written by us don't: line breaks, quotes, entities, star talk ("5 stars"),
dates, "Pros:" headings, emoji. Figures are printed and written to test-artifacts/extension-detection-real.txt:

    python -m pytest -p no:cacheprovider tests/browser/test_extension_real_texts.py -q -s
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.browser.conftest import Browser
from tests.browser.test_extension import ContentWorld
from tests.browser.test_extension_pages import (
    FOUND_JS,
    assert_detection_targets,
    report,
    score,
    totals,
    write_figures,
)

pytestmark = pytest.mark.browser

REAL = Path("/work/shared/real-reviews")
PER_PAGE = 10
STARS_FOR = {"neg": 2, "neu": 3, "pos": 5}


def load() -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name, limit in (("en.jsonl", 131), ("uk.jsonl", 80), ("ru.jsonl", 60)):
        for line in (REAL / name).read_text().splitlines()[:limit]:
            row = json.loads(line)
            rating = row.get("rating") or STARS_FOR.get(row.get("sentiment") or "")
            if row["text"].strip() and rating:
                rows.append({"text": row["text"].strip(), "rating": int(rating)})
    return rows


def esc(text: str) -> str:
    """The text as the platform shows it: escaped, line breaks as <br>."""
    return html.escape(text).replace("\n", "<br>")


REPLY = "Thank you for taking the time to write this. We have passed it on to the team and will be in touch."


def yelp(reviews: list[dict[str, Any]], n: int) -> str:
    cards = []
    for i, r in enumerate(reviews):
        reply = (
            (
                f'<div class=" margin-t2__09f24__b0bxj"><div class=" css-1qn0b6x"><p class=" css-foyide">Comment from Ann B. of '
                f'Harbour Cafe</p><span class=" css-chan6m">3/5/2025</span><p class=" comment__09f24__D0cxf css-qgunke">'
                f'<span class=" raw__09f24__T4Ezm" lang="en">{REPLY}</span></p></div></div>'
            )
            if i % 3 == 0
            else ""
        )
        cards.append(f'''<li class=" margin-b5__09f24__pTvws border-color--default__09f24__NPAKY"><div class=" review__09f24__oHr9V">
          <div class=" user-passport-info"><span class="fs-block css-ux5mu6"><a href="/user_details?userid=u{n}x{i}" class="css-19v1rkv">{r["author"]}</a></span>
          <div class=" css-1iy1dwt"><span class=" css-qgunke">Riga, Latvia</span></div></div>
          <div class=" arrange__09f24__LDfbs"><div class=" five-stars__09f24__mBKym" aria-label="{r["rating"]} star rating" role="img"></div><span class=" css-chan6m">Feb {i + 1}, 2025</span></div>
          <p class=" comment__09f24__D0cxf css-qgunke"><span class=" raw__09f24__T4Ezm" lang="en">{esc(r["text"])}</span></p>
          <div class=" css-1iy1dwt" data-review-id="y{n}x{i}"><button type="button" aria-label="Helpful (0)"><span>Helpful</span></button></div>{reply}</div></li>''')
    return f'<title>Harbour Cafe - Reviews - Yelp</title><ul class=" list__09f24__ynIEd">{"".join(cards)}</ul>'


def amazon(reviews: list[dict[str, Any]], n: int) -> str:
    cards = []
    for i, r in enumerate(reviews):
        cards.append(f'''<div id="R{n:03d}X{i:02d}ABCDEF" data-hook="review" class="a-section review aok-relative"><div class="a-section celwidget">
          <div data-hook="genome-widget" class="a-row"><a href="/gp/profile/amzn1.account.{n}{i}" class="a-profile"><div class="a-profile-avatar"><noscript><img src="/a.jpg" alt=""></noscript></div>
          <div class="a-profile-content"><span class="a-profile-name">{r["author"]}</span></div></a></div>
          <div class="a-row"><a class="a-link-normal" title="{r["rating"]},0 su 5 stelle" href="#"><i data-hook="review-star-rating" class="a-icon a-icon-star a-star-{r["rating"]} review-rating"><span class="a-icon-alt">{r["rating"]},0 su 5 stelle</span></i></a>
          <a data-hook="review-title" class="a-link-normal review-title a-text-bold" href="#"><span>{esc(r["title"])}</span></a></div>
          <span data-hook="review-date" class="a-color-secondary review-date">Recensito in Italia il {i + 1} marzo 2024</span>
          <div class="a-row review-format-strip"><span data-hook="avp-badge" class="a-color-state a-text-bold">Acquisto verificato</span></div>
          <div class="a-row a-spacing-small review-data"><span data-hook="review-body" class="a-size-base review-text review-text-content"><span>{esc(r["text"])}</span></span></div>
          <div class="a-row"><span data-hook="helpful-vote-statement" class="cr-vote-text">3 persone l'hanno trovato utile</span>
          <span class="a-button"><a data-hook="vote-helpful-button" data-reviewid="R{n:03d}X{i:02d}ABCDEF" role="button" href="#">Utile</a></span></div></div></div>''')
    return f'<title>Amazon.it:Recensioni clienti</title><div id="cm_cr-review_list">{"".join(cards)}</div>'


def dealer(reviews: list[dict[str, Any]], n: int) -> str:
    cards = []
    for i, r in enumerate(reviews):
        reply = (
            (
                f'<div class="col-xs-12 pad-none margin-top-lg bg-grey-lt pad-md"><p class="bolder">Response from Sunset Honda</p>'
                f'<p class="font-16">{REPLY}</p></div>'
            )
            if i % 2
            else ""
        )
        cards.append(f"""<div class="review-entry col-xs-12 text-left pad-none"><a name="r{n}{i:03d}"></a>
          <div class="col-xs-12 col-sm-3 review-date"><div class="italic font-20">March {i + 1}, 2024</div>
          <div class="dealership-rating"><div class="rating-static hidden-xs rating-{r["rating"]}0 margin-center"></div><div class="small-text dr-grey">SERVICE VISIT</div></div></div>
          <div class="col-xs-12 col-sm-9 pad-none review-wrapper"><div class="margin-bottom-sm"><h3 class="no-format inline italic-bolder">{esc(r["title"])}</h3>
          <span class="italic font-18 black notranslate">- {r["author"]}</span></div>
          <div class="tr margin-top-md"><div class="td text-left valign-top"><p class="font-16 review-content">{esc(r["text"])}</p>
          <a class="read-more-toggle pointer small-text" href="#">Read More</a></div></div>
          <div class="review-ratings-all review-hide"><div class="table"><div class="tr"><div class="td">Customer Service</div><div class="rating-static-indv rating-{r["rating"]}0 td"></div></div>
          <div class="tr"><div class="td">Pricing</div><div class="rating-static-indv rating-30 td"></div></div></div></div>{reply}
          <div class="helpful-wrapper small-text">Was this review helpful? <a href="#">Yes</a></div></div></div>""")
    return f'<title>Sunset Honda - Car Dealership Reviews</title><div id="reviews">{"".join(cards)}</div>'


def jsonld(reviews: list[dict[str, Any]], n: int) -> str:
    ld = {
        "@context": "https://schema.org",
        "@type": "Product",
        "name": "Kettle",
        "review": [
            {
                "@type": "Review",
                "@id": f"#rv{n}-{i}",
                "author": {"@type": "Person", "name": r["author"]},
                "reviewBody": r["text"],
                "reviewRating": {"@type": "Rating", "ratingValue": r["rating"], "bestRating": 5},
            }
            for i, r in enumerate(reviews)
        ],
    }
    cards = []
    for r in reviews:
        text = r["text"]
        if len(text) > 150:
            cut = text[:120].rsplit(" ", 1)[0] + "…"
            body = f'<div class="_7fQ2x">{esc(cut)}</div><div class="_7fQ2x" hidden>{esc(text)}</div><button class="_Zm">Показати повністю</button>'
        else:
            body = f'<div class="_7fQ2x">{esc(text)}</div>'
        cards.append(
            f'<div class="_r8Kp1"><div class="_a1Xz"><span class="_n4Lw">{r["author"]}</span><span class="_d9Tt">14.12.2024</span></div>{body}</div>'
        )
    script = json.dumps(ld, ensure_ascii=False).replace("</", "<\\/")
    return f'<title>Електрочайник — відгуки</title><script type="application/ld+json">{script}</script><div class="_list9">{"".join(cards)}</div>'


SHAPES: dict[str, Callable[[list[dict[str, Any]], int], str]] = {
    "yelp": yelp,
    "amazon": amazon,
    "dealer": dealer,
    "jsonld": jsonld,
}


@pytest.mark.skipif(not REAL.exists(), reason="no real reviews at /work/shared/real-reviews")
def test_real_texts_are_read_exactly_in_real_page_shapes(extension_browser: Browser) -> None:
    browser = extension_browser
    browser.reset()
    reviews = load()
    for i, r in enumerate(reviews):
        r["author"] = f"{['Anna', 'Jānis', 'Олег', 'Chris', 'Марія'][i % 5]} {chr(65 + i % 26)}."
        words = re.findall(r"\w+", r["text"])
        r["title"] = "About " + (" ".join(words[:3]) or "it")  # a title distinct from the text
    pages: dict[str, tuple[str, list[dict[str, Any]]]] = {}
    for n, start in enumerate(range(0, len(reviews), PER_PAGE)):
        chunk = reviews[start : start + PER_PAGE]
        shape = list(SHAPES)[n % len(SHAPES)]
        body = SHAPES[shape](chunk, n)
        pages[f"/{shape}-{n}.html"] = (
            f'<!doctype html><html><head><meta charset="utf-8">{body.split("</title>")[0]}</title>'
            f"</head><body>{body.split('</title>', 1)[1]}</body></html>",
            chunk,
        )
    page = browser.context.new_page()
    page.route(
        "http://realtext.test/**",
        lambda route: route.fulfill(
            status=200,
            content_type="text/html; charset=utf-8",
            body=pages[re.sub(r"^http://[^/]+", "", route.request.url)][0],
        ),
    )
    world = ContentWorld(page, browser.extension_id)
    rows_by_shape: dict[str, list[dict[str, Any]]] = {}
    for path, (_, chunk) in pages.items():
        page.goto(f"http://realtext.test{path}")
        world.wait("globalThis.__reviewAssistant && globalThis.__reviewAssistant.scanned > 0")
        found = world.eval(FOUND_JS)
        expected = [
            {
                "text": r["text"],
                "title": r["title"] if not path.startswith(("/yelp", "/jsonld")) else None,
                "author": r["author"],
                "rating": r["rating"],
            }
            for r in chunk
        ]
        row = score(path.strip("/"), found, expected)
        rows_by_shape.setdefault(path.split("-")[0].strip("/"), []).append(row)
    page.close()
    rows = [
        {"page": f"{shape} ({len(rs)} pages)", **totals(rs), "wrong": [w for r in rs for w in r["wrong"]]}
        for shape, rs in rows_by_shape.items()
    ]
    text = report(
        rows, f"Real texts ({len(reviews)} reviews: en Amazon/Yelp, uk Rozetka, ru restaurants) in real page shapes"
    )
    write_figures(text, "real")
    assert_detection_targets(rows, text)
