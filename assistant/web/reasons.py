"""Classification reasons as short sentences a person reads ("rated 2★", "mentions “трещиной”: fixable");
the page keeps the raw code on hover. A code this module does not know is shown as it is, never hidden."""

from __future__ import annotations

LANGUAGES = {
    "ru": "Russian",
    "uk": "Ukrainian",
    "lv": "Latvian",
    "en": "English",
    "de": "German",
    "lt": "Lithuanian",
    "et": "Estonian",
    "pl": "Polish",
    "be": "Belarusian",
    "kk": "Kazakh",
}
BANDS = {
    "negative": "the rating is low for this business",
    "neutral": "the rating is middling",
    "positive": "the rating is high",
}
FIXED = {
    "no-sentiment-cues": "no clear praise or complaint in the words",
    "empty:rating-only": "a rating with no text",
    "empty:no-text-no-rating": "no text and no rating",
    "off_topic:no-review-content": "nothing about the business in it",
    "spam:link": "contains a link, like an advert",
    "spam:handle": "gives a contact handle, like an advert",
    "spam:messenger": "points to a messenger, like an advert",
    "spam:promo_code": "contains a promo code, like an advert",
    "suspicious:link": "contains a link",
    "llm:unavailable": "the model was unavailable; the rules decided",
    "llm:bad_output": "the model answered nonsense; the rules decided",
    "llm:error": "the model call failed; the rules decided",
    "disagree:do_not_engage": "the rules and the model disagree about not engaging",
    "weak-praise-no-rating": "mild praise and no rating",
    "praise-vs-rating": "praise that does not match the low rating",
}
PREFIXED = {  # code prefix → sentence with the rest of the code quoted
    "praise": "praises: “{}”",
    "complaint": "complains: “{}”",
    "ruined": "says it was ruined: “{}”",
    "profanity": "swears (“{}”), not at anyone",
    "lang-unsupported": "written in a language we don't reply in ({})",
    "fixable": "mentions “{}”: something we can fix",
    "unfixable": "mentions “{}”: can't be undone now",
    "loss": "reports a loss: “{}”",
    "mention": "mentions {}",
    "spam:promo": "advertising phrase “{}”",
    "spam": "looks like an advert ({})",
    "extortion": "threatens, asking for something: “{}”",
    "abuse": "abusive words: “{}”",
    "legal": "mentions legal action: “{}”",
    "safety": "a safety issue: “{}”",
    "injection:reply-order": "tries to dictate the reply: “{}”",
    "injection": "tries to give the assistant orders: “{}”",
    "off_topic": "not about the business ({})",
    "stop_word": "playbook stop word “{}”",
    "playbook": "playbook rule: {}",
    "dne-ignored": "looked like {} but reads as a real customer",
    "mixed-script": "mixes alphabets in “{}” (a disguise?)",
    "escalate": "needs someone with authority ({})",
    "llm:note": "the model's note: {}",
    "llm:flag": "the model flagged: {}",
    "llm:overruled": "the model's answer was overruled: {}",
}


def reason_text(code: str) -> str:
    code = str(code)
    if code in FIXED:
        return FIXED[code]
    head, _, rest = code.partition(":")
    if head == "lang":
        language, _, score = rest.partition(":")
        if language in ("und", ""):
            return "language not recognised"
        name = LANGUAGES.get(language, language)
        try:
            return f"written in {name} ({float(score) * 100:.0f}% sure)"
        except ValueError:
            return f"written in {name}"
    if head == "rating":
        return f"rated {rest}★" if rest.isdigit() else "no rating"
    if head == "band":
        return BANDS.get(rest, f"rating band: {rest}")
    if head == "topic":
        topic, _, word = rest.partition(":")
        return f"about the {topic.replace('_', ' ')}" + (f" (“{word}”)" if word else "")
    if head == "emoji":
        good, _, bad = rest.partition(":")
        return f"emoji: {good.lstrip('+')} happy, {bad.lstrip('-')} unhappy"
    if head == "llm" and rest and ":" not in rest:
        return f"the model decided: {rest.replace('_', ' ')}"
    for prefix in sorted(PREFIXED, key=len, reverse=True):
        if code.startswith(prefix + ":"):
            return PREFIXED[prefix].format(code[len(prefix) + 1 :].replace("_", " "))
    return code
