"""First-stage classification by rules: the stage that must hold up when the LLM is weak or absent.

Why rules first: the embedded model cannot be trusted to spot extortion or a prompt-injection, and most
reviews are plain ("курьер опоздал", "paldies, viss ātri"). Do-not-engage patterns run first (in all four
languages, on the whole text, so an injected order can only ever make a review *less* engageable); then
lexicon cues + the playbook's rating bands pick thank / apologize / offer_fix / offer_discount, bent to what
the playbook allows. `decided` says whether a second (LLM) opinion could still add something.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from assistant.domain.classification.language import detect_language
from assistant.domain.classification.lexicon import Hit, emoji_balance, fold, lemmas, lexicon, tokenize
from assistant.playbooks import Action, DoNotEngageKind, Playbook, RemedyKind

FIX_REMEDIES = frozenset({RemedyKind.replacement, RemedyKind.redo, RemedyKind.repair, RemedyKind.refund,
                          RemedyKind.callback})
DECIDED_AT = 0.6
_DNE_ORDER = ("injection", "extortion", "legal_threat", "abuse", "spam", "stop_word", "off_topic")
_DNE_SEVERITY = {"injection": 4, "extortion": 5, "legal_threat": 5, "abuse": 3, "spam": 1, "stop_word": 3,
                 "off_topic": 1}


def _rx(*parts: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in parts), re.IGNORECASE)


def _w(words: str) -> str:
    """"дебил*, пошли на" → a whole-word alternation; `*` is any word ending."""
    items = [w.strip().replace("*", r"\w*") for w in words.split(",") if w.strip()]
    return r"\b(?:" + "|".join(items) + r")(?!\w)"


def _a(words: str) -> str:
    """Space-separated stems → an alternation group, for use inside larger patterns."""
    return "(?:" + "|".join(words.split()) + ")"


_S = r"[^.!?\n]"  # within one sentence


def _near(words: str, gap: int, stems: str) -> str:
    """A word from `words` followed, within `gap` characters of the same sentence, by one of `stems`."""
    return _w(words) + _S + "{0,%d}" % gap + _a(stems)


# -- do-not-engage patterns (run on folded text: lower case, ё→е, Latvian diacritics removed) ---------------
_ROLES = ("assistant bot ai model manager owner agent employee representative admin developer mode dan character "
          "persona lawyer expert ассистент помощник бот ии нейросет модел менеджер владел директор сотрудник "
          "представител администратор разработчик режим персонаж юрист эксперт продав должен обязан асистент "
          "помічник ші власник працівник представник адміністратор розробник повинен мусиш зобов asistent palig "
          "bots mi menedzer vaditaj ipasniek direktor darbiniek parstav administrator izstradataj rezim tel jurist")
INJECTION_STRONG = _rx(
    _near("ignore, disregard, forget, override, bypass", 30,
          "previous prior above earlier all any your the these system")
    + rf"\b{_S}{{0,20}}\b{_a('instructions? prompts? rules directions guidelines')}\b",
    r"\bsystem\s*prompt|\bsystem message\b|\bdeveloper mode\b|\bjailbreak|\bdan mode\b"
    r"|<\|?(im_start|system|endoftext)\|?>|\[/?(system|inst)\]|###\s*(instruction|system)|\bnew instructions?\b",
    rf"\b(you are now|ты теперь|теперь ты|отныне ты|ти тепер|тепер ти|відтепер ти|tu tagad esi|tagad tu esi|no sis "
    rf"(dienas|bridis|briza) tu( esi)?)\b[ ,—-]*(\w+ ){{0,3}}{_a(_ROLES)}",
    r"\bfrom now on,? you (are|must|answer|reply|respond|act|speak|write|only)\b|\bact as (an?|the|my)\b"
    r"|\bpretend (to be|you are|that you)\b|\brole-?play|\byou must now\b|\bas an ai\b",
    r"\b(end|finish|start|begin|sign|close)\s+(your|the|this)\s+(reply|answer|response|message)\s+with\b"
    r"|\bin (your|the) (reply|answer|response),? (say|write|include|promise|confirm|mention|add)\b"
    r"|\b(include|add|insert|put)\s+(the\s+)?(word|phrase|code|string)\b",
    _near("игнорир*, проигнорир*, забудь*, отмени*, не обращай*, ігнор*, проігнор*, скасуй*, не зважай*, ignore*, "
          "aizmirst*, neievero*, atcel*", 30, "инструкц указани правил промпт установк команд інструкц вказівк "
          "instrukcij noradijum noteikum uzvedn prompt komand"),
    r"системн\w* (промпт|подсказк|сообщени|инструкц|підказк|повідомлен)|\bпромпт\w*|\bджейлбрейк"
    r"|\bsistemas (uzvedn|prompt|zinojum|instrukcij)",
    _w("представь что ты, представь, что ты, притворись, сыграй роль, ролев* игр*, веди себя как, уяви що ти, "
       "уяви, що ти, прикинься, зіграй роль, рольов* гр*, поводься як, iedomajies ka tu, iedomajies, ka tu, "
       "izliecies, telo lomu, "
       "spele lomu, uzvedies ka"),
    r"\bв (конце|начале) (своего |твоего )?ответа\b|\bзакончи\w* (свой )?ответ|\bдобавь\w* в (свой )?ответ"
    r"|\bв ответе (напиши|укажи|добавь|пообещай|подтверди)|\bнапиши\w* в ответе\b",
    r"\bв (кінці|на початку) (своєї |твоєї )?відповіді\b|\bзакінчи\w* (свою )?відповідь|\bдодай\w* (у|в|до) (свою )?"
    r"відповід|\bу відповіді (напиши|вкажи|додай|пообіцяй|підтверди)|\bнапиши\w* у відповіді\b",
    r"\batbildes (beigas|sakuma)\b|\bbeidz (savu )?atbildi\b|\bpievieno (savai |tavai )?atbildei\b"
    r"|\batbilde (uzraksti|noradi|pievieno|apsoli|apstiprini)\b|\buzraksti atbilde\b",
    r"(слово|словом|слова|word|vardu|vards)\s*[«\"']?[a-z]{3,}[-_]\d{2,}",  # a canary to echo: "word PINEAPPLE-7431"
)
_NOT_A_QUESTION = r"(?![^.!\n]*\?)"
INJECTION_WEAK = _rx(  # "reply that …", "ответь, что …" — an order only when not a question and aimed at a bot
    r"(?<!to )" + _w("reply, respond, answer, say, write, confirm, promise") + r"\s+(to me\s+)?(that|saying)\b"
    + _NOT_A_QUESTION,
    _w("ответь, ответьте, напиши, напишите, скажи, скажите, подтверди, подтвердите, пообещай, пообещайте")
    + r"\s*,?\s*что\b" + _NOT_A_QUESTION,
    _w("відповідай, відповідайте, напиши, напишіть, скажи, скажіть, підтверди, пообіцяй, пообіцяйте")
    + r"\s*,?\s*що\b" + _NOT_A_QUESTION,
    _w("atbildi, atbildiet, uzraksti, pasaki, apstiprini, apsoli") + r"\s*,?\s*ka\b" + _NOT_A_QUESTION,
)
BOT_CUES = _rx(_w("ai, bot, chatbot, gpt, chatgpt, llm, language model, neural network, prompt, ai assistant, "
                  "virtual assistant, ии, нейросет*, бот, бота, боту, чат-бот*, чатбот*, гпт, ии-ассистент*, "
                  "искусственн* интеллект*, ші, нейромереж*, штучн* інтелект*, mi, maksliga intelekt*, "
                  "neironu tikl*"))

_PLACES = ("отзыв везде всем\\b на\\sвсех во\\sвсех соцсет форум отзовик пикабу интернет гугл google яндекс 2гис фейсбук "
           "инстаграм відгук всюди скрізь на\\sвсіх у\\sвсіх соцмереж atsauksm visur visiem visas social forum interneta "
           "facebook reviews? everywhere all\\sover social\\smedia every\\ssite every\\splatform tripadvisor yelp "
           "trustpilot reddit instagram ютуб youtube групп видео сми журналист телебачен відео сайт grup video zurnalist "
           "news press tiktok")
EXTORTION_THREAT = _rx(
    _near("напишу, оставлю, накатаю, напишем, оставим, размещу, опубликую, выложу, разнесу, расскажу, буду писать, "
          "будем писать, залишу, напишемо, опублікую, викладу, розкажу, буду писати, рознесу, uzrakstisu, rakstisu, "
          "atstasu, publicesu, izstastisu, ieliksu, write, leave, post, spread, put up, publish, flood, spam, bombard, blast", 50, _PLACES),
    _near("устрою, испорчу, испортим, уроню, опущу, обрушу, подпорчу, зіпсую, обвалю, sabojasu, sagrausu, nogremdesu, ruin, "
          "destroy, tank, trash, wreck", 20, "рейтинг репутаци reiting reputacij rating reputation business"),
    r"\b(ещ[её]|сотню|десятки|кучу|десяток|ще|купу) (\d+ |десяток |кучу |купу |пару |сотню |много |багато |несколько "
    r"|кілька )?(плохих |негативных |таких же |поганих |негативних |таких )?(отзыв|відгук)",
    r"\bvel (\d+ |desmit |daudz |vairakas )?(sliktas |negativas )?atsauksm|\b(more|another|dozens of|a hundred|ten|many"
    r"|\d+) (more )?(bad |negative |1[- ]star |one[- ]star |fake )?reviews\b|\b(one|1)[- ]star (ratings|reviews)\b",
    _w("весь интернет узна*, все узнают, расскажу всем, всем расскажу, всем знакомым расскажу, весь інтернет дізна*, "
       "всі дізнаються, розкажу всім, всім розкажу, visi uzzinas, visiem izstastisu, izstastisu visiem, "
       "everyone will know, make sure everyone, let everyone, tell everyone, all my friends will know"),
)
# "…or all my followers will hear about it": common words, so only with an explicit "if not" or a demand
EXTORTION_AUDIENCE = _rx(_near(
    "все мои, мои друзья, мои подписчики, подписчики, знакомые, всі мої, мої друзі, підписники, visi mani, "
    "mani draugi, sekotaji, followers, my friends, everyone", 40,
    "узна услыш дізна почу uzzin dzird hear know find\\sout learn"))
EXTORTION_CONDITION = _rx(_w("или, либо, иначе, если не, если вы не, а то, пока не, в противном случае, або, інакше, якщо не, "
                             "якщо ви не, поки не, в іншому разі, vai ari, citadi, preteja gadijuma, ja ne*, ja man ne*, "
                             "ja jus ne*, kamer ne*, or, otherwise, unless, if you don't, if you do not, "
                             "if you won't, until you, or else"))
IF_NOT = _rx(_w("если не, если вы не, пока не, якщо не, якщо ви не, поки не, ja ne*, ja man ne*, ja jus ne*, "
                "kamer ne*, unless, "
                "if you don't, if you do not, if you won't, until you"))
_GOODS = ("скидк деньг компенсац бесплатн подар возврат купон бонус сертификат знижк грош кошт безкоштовн подарун "
          "поверненн сертифікат atlaid naud kompensacij bezmaksas davan atmaks kupon bonus sertifikat discount money "
          "refund compensation free voucher coupon gift credit deposit")
EXTORTION_DEMAND = _rx(
    _near("дайте, дадите, дай, гоните, верните, вернете, компенсируйте, выплатите, требую, хочу, жду, предоставьте, "
          "дасте, поверніть, повернете, компенсуйте, виплатіть, вимагаю, чекаю, надайте, dodiet, iedodiet, "
          "atmaksajiet, kompensejiet, pieprasu, gribu, gaidu, izmaksajiet, pieskiriet, give, refund, send, "
          "compensate, want, demand, expect, pay, offer, owe", 40, _GOODS),
    r"\bne?atmaksas\w* naud|\bpay (me )?back\b|\breturn my (money|deposit)\b",
)
# "I'll delete my review if you give me a discount": only for perks, not for the fix itself.
EXTORTION_REVERSE = _rx(_near(
    "удалю, уберу, исправлю, изменю, поменяю, подниму, повышу, видалю, приберу, виправлю, зміню, підвищу, izdzesisu, "
    "nonemsu, labosu, mainisu, paaugstinasu, delete, remove, change, update, edit, take down, raise, improve", 30,
    "отзыв оценк звезд рейтинг відгук оцінк зірк atsauksm vertejum zvaigzn reiting review rating star"))
PERKS = _rx(r"скидк|бесплатн|подар|компенсац|бонус|сертификат|купон|промо-?код|promo|знижк|безкоштовн|atlaid|bezmaksas"
            r"|davan|kompensacij|\bdiscount|\bfree\b|\bgift|\bvoucher|\bcoupon|\bcompensation|\bcredit\b")

LEGAL = _rx(
    r"\bсуд(а|е|у|ом|ы|ов|ам|і|и|ебн\w*|ов\w*)?\b|\bиск(ом|и|а)?\b",
    _w("исков*, адвокат*, юрист*, юридическ*, прокурат*, роспотребнадзор*, защит* прав потребител*, зозпп, уголовн*, "
       "ответите по закону, позов*, юридичн*, держспоживслужб*, захист* прав споживач*, кримінальн*, uz tiesu, "
       "ar tiesu, caur tiesu, tiesas cel*, tiesas prav*, tiesas sed*, iesudz*, sudzesu, advokat*, jurist*, "
       "juridisk*, "
       "prokuratur*, ptac, pateretaju tiesib*, sue, suing, sued, lawsuit*, lawyer*, attorney*, solicitor*, barrister*, "
       "legal action, legal claim, "
       "small claims, in court, consumer protection, trading standards, ombudsman, legal team, legal department, "
       "legal advice, legal proceedings"),
    _w("заявлени*, заявлю, обращусь, напишу, пожалуюсь, подам заявление, заяв*, звернуся, поскаржуся")
    + r" (в|во|до) (полици|поліці|органы|мвд)", _near("versisos, zinosu, griezisos, iesniegsu", 25, "policij ptac tiesa"),
    r"\b(take|taking|see) (you|them|this|it)( all)? to court\b|(?<!food )\bcourt\b|\b(report|reporting) (you|this|"
    r"them|it) to (the )?(police|authorities|regulator)\b",
)
LEGAL_LV_COURT = re.compile(r"\btiesā\b", re.IGNORECASE)  # "in court"; plain "tiesa" also means "true"

ABUSE = _rx(
    _w("дебил*, идиот*, урод*, мраз*, тварь, твари, сволоч*, ублюд*, козел, козлы, козлин*, скотин*, дураки, дуры, "
       "тупые, тупой, тупая, тупорыл*, кретин*, дегенерат*, быдл*, чмо, лохи, лохов, мудак*, мудил*, шлюх*, пидор*, "
       "пидар*, гандон*, придурк*, придурок, уебк*, уебок, ху[йяеюи]*, пизд*, еба*, ебан*, ебл*, бля, блядь, бляди, "
       "блядск*, блять, сука, суки, пошли на, пошел на, пошли вы на, идите на, идите вы на, дебіл*, ідіот*, покидь*, "
       "тварюк*, сволот*, виродк*, виродок, козли, дурні, тупі, тупий, тупа, бидл*, підор*, їба*, йоба*, єба*, "
       "блядi, "
       "пішли на, пішли ви на, йдіть на, йдіть ви на, debil*, kretin*, mulki, mulkis, stulbenis, stulbeni, dirsa, "
       "dirsas, pakalas, mauka*, nahuj*, pidar*, lohi, lops, lopi, negelis, negeli, kuce, kuces, mergli, mergelis, "
       "drankis, dranki, sudabral*, idiot*, ej dirst, ejiet dirst, ej tu dirst, ej elle, jus esat stulb*, morons?, "
       "moronic, imbeciles?, retard*, scum*, bastards?, assholes?, arseholes?, dickheads?, pricks?, bitch*, cunts?, "
       "fuck*, motherf*, wankers?, twats?, dumbass*, jackass*, clowns, piece of shit, go to hell, burn in hell"),
    r"\bх[*.]+[йя]|\bп[*]+зд|\bбл[*]+|\bf[*#@]+k\w*|\bf\*{2,}(?!\w)|\bsh[*]+t",
    r"\bstulb\w* (kurjer|darbiniek|pardevej|menedzer|viesmil|personal)\w*|\bstupid (people|staff|courier|driver|"
    r"manager|woman|man|girl|guy|waiter|waitress|employees?)\b|\byou('re| are) (so )?(stupid|dumb)\b",
)

SPAM_LINK = re.compile(r"(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9-]{1,62}\.(?:ru|ua|lv|com|net|org|io|me|shop|store|"
                       r"info|biz|xyz|top|site|online|club|pro|cc|ly|link|click|su|by|kz|eu)\b(?:/\S*)?", re.I)
SPAM_HANDLE = re.compile(r"(?<![\w.@])@[a-z0-9_]{4,32}\b|\bt\.me/\S+|\bwa\.me/\S+", re.I)
SPAM_MESSENGER = _rx(_w(r"whats\s?app, вотс?ап, ватс?ап, вацап, viber, вайбер*, telegram*, телеграм*, телег[еуа], в тг, "
                        "instagram*, инстаграм*, інстаграм*, инсту, tiktok, тикток*"))
SPAM_PHONE = re.compile(r"\+\d[\d\s().-]{7,}\d|\b8[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}\b"
                        r"|\b\d{3}[\s-]\d{2,3}[\s-]\d{2}[\s-]\d{2}\b")
SPAM_CODE = re.compile(r"промо-?\s?код|промокод|promo-?\s?code|coupon code|код на скидку|akcijas kod|atlaizu kod"
                       r"|atlaides kod|\bcode:", re.I)
SPAM_PROMO = _rx(_w(
    "заработок, заработка, заработком, заработай, заработайте, доход, дохода, доходом, доходы, пассивн*, инвестиц*, "
    "крипт*, биткоин*, казино, букмекер*, подписывай*, подпиш*, переходи*, жми, кликай, накрутк*, раскрутк*, "
    "подписчик*, займы, займа, займов, микрозайм*, кредит*, без вложений, в лс, в личку, в директ, продам, "
    "мой канал, "
    "на моем канале, заходи* на, розыгрыш*, спешите, только сегодня, ставки на спорт, оптом, пиши* в, скидки до, "
    "покупайте, заказывайте у нас, заказывайте на, оптов* цен*, заробі*, заробит*, дохід, інвест*, біткоїн*, "
    "підписуй*, підпиш*, переходь*, тисни, позик*, мій канал, без вкладень, в особист*, заходь* на, розіграш*, "
    "поспішайте, тільки сьогодні, пиш* в, знижки до, купуйте, замовляйте у нас, замовляйте на, nopelni*, ienakum*, "
    "kriptovalut*, kazino, likmes, abone*, raksti man, aizdevum*, kredit*, manu kanalu, pardodu, tikai sodien, "
    "izloze*, steidzies, apmeklejiet musu, apmeklejiet manu, atlaides lidz, perciet, ieej un perc, ieej musu, "
    "pasutiet tagad, earn*, income, work from home, crypto*, bitcoin, forex, casino, betting, sign up, subscribe, "
    "follow me, follow us, click, dm me, my channel, for sale, followers, limited offer, loans?, check out my, "
    "use code, visit my, join my, giveaway, discounts up to, buy now, order now, shop now, check out, today only, "
    "only today, call now, call us, call me, звоните, звоніть, zvaniet, под ключ, raksti, rakstiet, пишите, пишіть, "
    "\\d+% off"))
_LETTERS = re.compile(r"[^\W\d_]")
_YOU = _rx(_w("вы, вас, вам, вами, ваш*, ви, jus, jums, jusu, you, your, yours"))


@dataclass(frozen=True)
class RulesVerdict:
    action: Action
    language: str  # ISO 639-1 or "und"
    topics: tuple[str, ...]
    severity: int  # 1 (praise) .. 5 (legal/extortion/safety)
    fixable: bool
    confidence: float  # 0..1
    reasons: tuple[str, ...]  # machine-readable, e.g. "spam:link", "rating:5", "topic:courier:курьер"
    dne_kind: DoNotEngageKind | None
    decided: bool  # True when the rules are sure: no LLM call needed


def _first(pattern: re.Pattern[str], text: str) -> str | None:
    match = pattern.search(text)
    return match.group().strip()[:40] if match else None


def _extortion(folded: str) -> str | None:
    for threat in EXTORTION_THREAT.finditer(folded):
        before, after = folded[max(0, threat.start() - 80) : threat.start()], folded[threat.end() : threat.end() + 60]
        if EXTORTION_CONDITION.search(before) or IF_NOT.search(after) or EXTORTION_DEMAND.search(folded):
            return threat.group()[:40]
    for threat in EXTORTION_AUDIENCE.finditer(folded):
        if IF_NOT.search(folded[max(0, threat.start() - 80) : threat.end() + 60]) or EXTORTION_DEMAND.search(folded):
            return threat.group()[:40]
    reverse = EXTORTION_REVERSE.search(folded)
    if reverse and PERKS.search(folded):
        return reverse.group()[:40]
    return None


def _spam(raw: str, folded: str, negative: int, content: int) -> list[str]:
    channels = [name for name, rx in (("link", SPAM_LINK), ("handle", SPAM_HANDLE), ("phone", SPAM_PHONE),
                                      ("promo_code", SPAM_CODE), ("messenger", SPAM_MESSENGER)) if rx.search(raw)]
    promo = [m.group().strip() for m in SPAM_PROMO.finditer(folded)]
    hard = [c for c in channels if c != "messenger"]
    if ((channels and promo and (negative == 0 or len(promo) >= 2)) or (len(promo) >= 2 and negative == 0)
            or (hard and negative == 0 and content == 0)
            or (len(channels) >= 2 and negative == 0)):  # "@handle on Telegram": nobody reviews like that
        return [f"spam:{c}" for c in channels] + [f"spam:promo:{p}" for p in promo[:3]]
    return []


@lru_cache(maxsize=256)
def _stop_index(stop_words: tuple[str, ...]) -> tuple[dict[str, str], tuple[tuple[str, str], ...], tuple]:
    """Single stop words by lemma form, their stems (for inflections lemmas miss), and multi-word phrases."""
    forms: dict[str, str] = {}
    stems, phrases = [], []
    for phrase in stop_words:
        parts = [t for t, _ in tokenize(phrase)]
        if len(parts) > 1:
            phrases.append((phrase, tuple(parts)))
        elif parts:
            word = parts[0]
            forms.update({f: phrase for f in lemmas(word) if f not in forms})
            stem = word[:-1] if len(word) > 4 and word[-1] in "aeiouyаеиоуыяюэіїєь" else word
            if len(stem) >= 5:  # shorter stems catch other words once diacritics are folded (tiesa ≠ tieši)
                stems.append((stem, phrase))
    return forms, tuple(stems), tuple(phrases)


def _stop_words(tokens: list[str], playbook: Playbook) -> list[str]:
    """Playbook stop words, matched on lemma or a short inflection (суда, policijai) — not on any prefix."""
    forms, stems, phrases = _stop_index(tuple(w for words in playbook.stop_words.values() for w in words))
    found: dict[str, None] = {}
    for token in tokens:
        token_forms = lemmas(token)
        for form in token_forms & forms.keys():
            found[forms[form]] = None
        for stem, phrase in stems:
            if (token.startswith(stem) and len(token) - len(stem) <= 3
                    and all(f == token or f.startswith(stem) for f in token_forms)):
                found[phrase] = None
    for phrase, parts in phrases:
        n = len(parts)
        if any(all(_same_word(tokens[i + k], p) for k, p in enumerate(parts)) for i in range(len(tokens) - n + 1)):
            found[phrase] = None
    return list(found)


def _same_word(token: str, word: str) -> bool:
    return token == word or bool(lemmas(token) & lemmas(word))


def _do_not_engage(raw: str, folded: str, hits: tuple[Hit, ...], tokens: list[str], playbook: Playbook,
                   negative: int, rating: int | None) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    strong = _first(INJECTION_STRONG, folded)
    weak = _first(INJECTION_WEAK, folded)
    if strong or (weak and BOT_CUES.search(folded)):
        found["injection"] = [f"injection:{strong or weak}"]
    if threat := _extortion(folded):
        found["extortion"] = [f"extortion:{threat}"]
    if legal := _first(LEGAL, folded) or _first(LEGAL_LV_COURT, raw.lower()):
        found["legal_threat"] = [f"legal:{legal}"]
    if abuse := _first(ABUSE, folded):
        found["abuse"] = [f"abuse:{abuse}"]
    content = sum(1 for h in hits if h.kind in ("topic", "praise", "complaint", "anchor"))
    if spam := _spam(raw, folded, negative, content):
        found["spam"] = spam
    if stops := _stop_words(tokens, playbook):
        found["stop_word"] = [f"stop_word:{w}" for w in stops]
    offtopic = [h.word for h in hits if h.kind == "offtopic"]
    on_topic = any(h.kind in ("topic", "anchor", "fixable", "unfixable") for h in hits)
    aside = [h.word for h in hits if h.kind == "aside"]
    ignore = ("topic", "complaint", "fixable", "unfixable") + (("praise",) if "?" not in raw else ())
    if aside and not any(h.kind in ignore for h in hits):  # "anyone know a good vet?" asks readers, not us
        offtopic, on_topic = aside + offtopic, False
    if not offtopic and rating is None and len(tokens) >= 3 and not hits and not _YOU.search(folded):
        offtopic = ["no-review-content"]  # no rating, no cue, not addressed to the business: weak, a person decides
    if offtopic and not on_topic:
        found["off_topic"] = [f"off_topic:{w}" for w in offtopic[:3]]
    return found


def fit_action(action: Action, playbook: Playbook) -> Action:
    """The nearest action the playbook allows (enabled, and backed by a remedy for fix/discount)."""
    ladders = {Action.offer_fix: [Action.offer_fix, Action.offer_discount, Action.apologize, Action.thank],
               Action.offer_discount: [Action.offer_discount, Action.apologize, Action.thank],
               Action.apologize: [Action.apologize, Action.offer_discount, Action.thank],
               Action.thank: [Action.thank, Action.apologize],
               Action.do_not_engage: [Action.do_not_engage]}
    for candidate in ladders[action]:
        guide = playbook.actions.get(candidate)
        if guide is None or not guide.enabled:
            continue
        if candidate == Action.offer_fix and not any(r.kind in FIX_REMEDIES for r in playbook.remedies):
            continue
        if candidate == Action.offer_discount and playbook.discount_cap is None:
            continue
        return candidate
    return action


def _band(rating: int | None, playbook: Playbook) -> str | None:
    if rating is None:
        return None
    if rating >= playbook.market.positive_min_rating:
        return "positive"
    return "negative" if rating <= playbook.market.negative_max_rating else "neutral"


def _sentiment(hits: tuple[Hit, ...], raw: str, band: str | None) -> tuple[Action, float, int, list[str]]:
    """(preferred action, confidence, severity, reasons) from cues, emoji and the rating band."""
    good_emoji, bad_emoji = emoji_balance(raw)
    praise = {h.position for h in hits if (h.kind == "praise" and not h.negated) or
              (h.kind == "complaint" and h.negated)}
    negative = {h.position for h in hits if (h.kind in ("complaint", "fixable", "unfixable") and not h.negated)
                or (h.kind == "praise" and h.negated)}
    pos, neg = len(praise) + min(good_emoji, 3), len(negative) + min(bad_emoji, 3)
    fix = [h for h in hits if h.kind == "fixable" and not h.negated]
    loss = [h for h in hits if h.kind == "loss" and not h.negated]
    ruined = [h for h in hits if h.kind == "ruined" and not h.negated]
    loss += ruined
    if fix and any(h.kind == "intact" for h in hits):  # "box torn, but the item is fine": nothing to fix
        fix = []
    if loss and band == "negative" and not neg:  # "had to throw it away" with a low rating is a complaint
        neg = 1
    shown = ("praise", "complaint", "fixable", "unfixable", "ruined", "loss")
    reasons = [f"{h.kind}:{h.word}" for h in hits if h.kind in shown and not h.negated][:8]
    if good_emoji or bad_emoji:
        reasons.append(f"emoji:+{good_emoji}:-{bad_emoji}")
    if fix and ruined:  # the fix would come too late for the occasion: make up for it instead
        return Action.offer_discount, 0.6, 4, reasons
    if fix:  # under a high rating with praise a remedy may be moot ("wrong size, but the exchange was quick")
        confidence = 0.85 if band != "positive" else (0.55 if pos else 0.7)
        return Action.offer_fix, confidence, 4 if band == "negative" and neg >= 2 else 3, reasons
    complaint = Action.offer_discount if loss else Action.apologize
    if neg and pos:  # mixed: the rating says which side the customer is on (brief: mixed, nothing to fix → thank)
        if band == "negative":
            return complaint, 0.75, 3, reasons
        if band == "positive":
            return (Action.thank, 0.7, 2, reasons) if pos >= neg else (complaint, 0.6, 3, reasons)
        return (Action.thank, 0.5, 2, reasons) if pos > neg else (complaint, 0.5 if neg == pos else 0.65, 3, reasons)
    if neg:
        confidence = 0.8 if band != "positive" else 0.6
        return complaint, confidence, 4 if band == "negative" and neg >= 3 else 3, reasons
    if pos:
        if band == "negative":  # praise words under a 1-2 star rating: sarcasm more often than a slip
            return Action.apologize, 0.4, 2, reasons + ["praise-vs-rating"]
        return Action.thank, {"positive": 0.9, None: 0.8, "neutral": 0.65}[band], 1, reasons
    reasons.append("no-sentiment-cues")
    if band in ("negative", "neutral") and any(h.label in ("defect", "repair") for h in hits):
        return Action.offer_fix, 0.5, 3, reasons  # "what about the warranty?" under a low rating
    if band == "positive":
        return Action.thank, 0.7, 1, reasons
    if band == "negative":
        return Action.apologize, 0.5, 3, reasons
    return (Action.apologize, 0.4, 2, reasons) if band == "neutral" else (Action.thank, 0.3, 1, reasons)


def classify_rules(text: str, rating: int | None, playbook: Playbook) -> RulesVerdict:
    """Classify one review by rules alone; pure and deterministic."""
    raw = text or ""
    rating = rating if rating is not None and 1 <= rating <= 5 else None
    language, folded, hits = detect_language(raw), fold(raw), lexicon().match(raw)
    tokens = [t for t, _ in tokenize(raw)]
    band = _band(rating, playbook)
    topics: dict[str, str] = {}
    for h in hits:
        if h.kind == "topic":
            topics.setdefault(h.label, h.word)
    safety = [h.word for h in hits if h.kind == "safety"]
    reasons = ([f"lang:{language.code}:{language.confidence:.2f}"] + ([f"rating:{rating}"] if rating else [])
               + [f"topic:{t}:{w}" for t, w in topics.items()] + [f"safety:{w}" for w in safety[:2]])
    negative = sum(1 for h in hits if h.kind in ("complaint", "fixable", "unfixable") and not h.negated)

    def verdict(action: Action, severity: int, confidence: float, extra: list[str], kind: str | None = None,
                decided: bool | None = None, fixable: bool = False) -> RulesVerdict:
        fitted = fit_action(action, playbook)
        notes = [f"playbook:{action.value}->{fitted.value}"] if fitted != action else []
        return RulesVerdict(fitted, language.code, tuple(topics), severity, fixable, round(confidence, 2),
                            tuple(reasons + extra + notes), DoNotEngageKind(kind) if kind else None,
                            confidence >= DECIDED_AT if decided is None else decided)

    dne = _do_not_engage(raw, folded, hits, tokens, playbook, negative, rating)
    if band == "positive" and negative == 0 and any(h.kind == "praise" and not h.negated for h in hits):
        # "my lawyer friend recommended it", "fucking amazing": a mention inside praise is no threat
        mentions = [k for k in ("legal_threat", "abuse") if dne.pop(k, None)]
        reasons += [f"mention:{k}" for k in mentions]
    allowed = [k for k in _DNE_ORDER if k in dne and DoNotEngageKind(k) in playbook.do_not_engage]
    if allowed and playbook.actions[Action.do_not_engage].enabled:
        kind, extra = allowed[0], [r for k in _DNE_ORDER if k in dne for r in dne[k]]
        weak = kind == "off_topic" and (len(tokens) < 3 or "off_topic:no-review-content" in dne[kind])
        return verdict(Action.do_not_engage, _DNE_SEVERITY[kind], 0.55 if weak else 0.95, extra, kind)
    reasons += [f"dne-ignored:{k}" for k in dne]

    if not _LETTERS.search(raw) and not any(emoji_balance(raw)):  # no words: the rating is all there is
        if rating is None:
            return verdict(Action.do_not_engage, 1, 0.5, ["empty:no-text-no-rating"], "off_topic", True)
        action, confidence = {"positive": (Action.thank, 0.85), "negative": (Action.apologize, 0.4)}.get(
            band, (Action.thank, 0.4))
        return verdict(action, 3 if rating == 1 else 1 if band == "positive" else 2, confidence,
                       ["empty:rating-only"], decided=True)

    action, confidence, severity, extra = _sentiment(hits, raw, band)
    extra += [f"band:{band}"] if band else []
    if safety:
        severity, confidence = 5, min(confidence, 0.5)
    if dne or mentions_of(reasons):  # refused by another business, or a mention in praise: a person should look
        confidence = min(confidence, 0.5)
    if (SPAM_LINK.search(raw) or SPAM_HANDLE.search(raw)) and action == Action.thank:
        confidence, extra = min(confidence, 0.5), extra + ["suspicious:link"]
    return verdict(action, severity, confidence, extra, fixable=action == Action.offer_fix)


def mentions_of(reasons: list[str]) -> bool:
    return any(r.startswith("mention:") for r in reasons)
