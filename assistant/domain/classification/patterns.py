"""Regular patterns for the rules stage, in all four languages: do-not-engage kinds (extortion, legal threats,
abuse, spam) and the shapes of a fixable fault that word lists miss (symptoms, quoted sarcasm).

Why a data module: rules.py keeps the decisions, this keeps the vocabulary, so either can be read (and
extended) without the other. Patterns run on folded text (lower case, ё→е, Latvian diacritics removed,
look-alike letters put back into one script), except the few marked "raw".
Prompt-injection shapes live in injection.py.
"""

from __future__ import annotations

import re

from assistant.text.alternation import any_of


def words(items: str) -> str:
    """ "дебил*, пошли на" → a whole-word alternation; `*` is any word ending."""
    alts = [w.strip().replace("*", r"\w*") for w in items.split(",") if w.strip()]
    return r"\b(?:" + "|".join(alts) + r")(?!\w)"


def alt(stems: str) -> str:
    """Space-separated stems → an alternation group, for use inside larger patterns."""
    return "(?:" + "|".join(stems.split()) + ")"


SAME_SENTENCE = r"[^.!?\n]"


def near(first: str, gap: int, stems: str) -> str:
    """A word from `first` followed, within `gap` characters of the same sentence, by one of `stems`."""
    return words(first) + SAME_SENTENCE + f"{{0,{gap}}}" + alt(stems)


# -- extortion: a public threat (more reviews, posts everywhere) tied to a demand or an "if not" ------------
_PLACES = (
    "отзыв везде всем\\b на\\sвсех во\\sвсех на\\sкаждой соцсет форум отзовик пикабу интернет гугл google яндекс "
    "2гис фейсбук инстаграм площадк маркетплейс телеграм канал чат\\b чатах групп відгук всюди скрізь на\\sвсіх "
    "у\\sвсіх в\\sусіх на\\sкожн соцмереж майданчик atsauksm visur visiem visas visos grup social forum "
    "interneta facebook reviews? everywhere all\\sover social\\smedia every\\ssite every\\splatform every\\sforum "
    "every\\s\\w+\\sgroup group tripadvisor yelp trustpilot reddit instagram ютуб youtube видео сми журналист "
    "телебачен відео сайт video zurnalist news press tiktok про\\sвас о\\sвас про\\sваш о\\sваш par\\sjums "
    "about\\syou about\\sthis about\\syour"
)
# verbs of publishing, one-off ("напишу") and habitual ("буду писать", "писатиму", "will keep posting")
_PUBLISH_ONCE = (
    "напишу, оставлю, накатаю, напишем, оставим, размещу, опубликую, выложу, разнесу, расскажу, залишу, "
    "напишемо, опублікую, викладу, розкажу, рознесу, uzrakstisu, rakstisu, atstasu, publicesu, izstastisu, "
    "ieliksu, liksu, write, leave, post, spread, put up, publish, flood, spam, bombard, blast"
)
_PUBLISH_HABIT = (
    r"\b(?:буду|будем|продолжу|продолжим|стану|начну)\s+(?:\w+\s+){0,2}?(?:писать|оставлять|публиковать|выкладывать"
    r"|постить|строчить|рассказывать)\b"
    r"|\b(?:писатиму|писатимемо|залишатиму|публікуватиму|викладатиму|розповідатиму)\b"
    r"|\b(?:буду|будемо|продовжу|почну|стану)\s+(?:\w+\s+){0,2}?(?:писати|залишати|публікувати|викладати|розповідати)\b"
    r"|\bturpinasu\s+(?:rakstit|likt|publicet)\b"
    r"|\b(?:will|'ll|am going to|i'm going to|gonna)\s+(?:keep|continue|be|start)\s+(?:on\s+)?(?:to\s+)?"
    r"(?:posting|writing|leaving|sharing|telling|post|write|leave|share)\b|\bkeep (?:posting|writing|leaving)\b"
)
EXTORTION_THREAT = any_of(
    near(_PUBLISH_ONCE, 50, _PLACES),
    f"(?:{_PUBLISH_HABIT}){SAME_SENTENCE}{{0,60}}{alt(_PLACES)}",
    near(
        "устрою, испорчу, испортим, уроню, опущу, обрушу, подпорчу, зіпсую, обвалю, sabojasu, sagrausu, nogremdesu, "
        "ruin, destroy, tank, trash, wreck",
        20,
        "рейтинг репутаци reiting reputacij rating reputation business",
    ),
    r"\b(ещ[её]|сотню|десятки|кучу|десяток|ще|купу) (\d+ |десяток |кучу |купу |пару |сотню |много |багато |несколько "
    r"|кілька )?(плохих |негативных |таких же |поганих |негативних |таких )?(отзыв|відгук)",
    r"\bvel (\d+ |desmit |daudz |vairakas )?(sliktas |negativas )?atsauksm|\b(more|another|dozens of|a hundred|ten|many"
    r"|\d+) (more )?(bad |negative |1[- ]star |one[- ]star |fake )?reviews\b|\b(one|1)[- ]star (ratings|reviews)\b",
    words(
        "весь интернет узна*, все узнают, расскажу всем, всем расскажу, всем знакомым расскажу, весь інтернет дізна*, "
        "всі дізнаються, розкажу всім, всім розкажу, visi uzzinas, visiem izstastisu, izstastisu visiem, "
        "everyone will know, make sure everyone, let everyone, tell everyone, all my friends will know"
    ),
)
# "…or all my followers will hear about it": common words, so only with an explicit "if not" or a demand
_AUDIENCE = (
    r"(?:вс[ея]|весь|всі|уся|усі|вся) (?:мо[яийе]|мої) \w+|мо[яи] (?:страниц|аудитори|подписчик|друз|канал|блог"
    r"|групп)\w*|мо[яї] (?:сторінк|аудиторі|підписник|друз|канал|блог|груп)\w*|(?:visi |visa )?man(?:i|a|s) "
    r"(?:sekotaj|draug|lap|blog|kanal|grup|auditorij)\w*|\bmy (?:page|blog|channel|audience|followers|friends"
    r"|community|group|subscribers)|\bevery(?:one|body| \w+)? (?:in|on|from) my \w+|\beveryone i know"
    r"|знакомые|знайомі|подписчики|підписники|sekotaji|followers|everyone"
)
EXTORTION_AUDIENCE = any_of(
    f"(?:{_AUDIENCE}){SAME_SENTENCE}{{0,40}}"
    + alt("узна услыш увид дізна почу побач uzzin dzird redzes hear know see find\\sout learn")
)
_UNTIL = (
    "если не, если вы не, пока не, пока вы не, до тех пор пока, якщо не, якщо ви не, поки не, поки ви не, доки не, "
    "доки ви не, ja ne*, ja man ne*, ja jus ne*, kamer ne*, kamer jus ne*, unless, if you don't, if you do not, "
    "if you won't, until you, till you, as long as you"
)
EXTORTION_CONDITION = any_of(
    words(
        "или, либо, иначе, а то, в противном случае, або, інакше, в іншому разі, vai ari, "
        "citadi, preteja gadijuma, or, otherwise, or else, " + _UNTIL
    )
)
IF_NOT = any_of(words(_UNTIL))
_GOODS = (
    "скидк деньг компенсац бесплатн подар возврат купон бонус сертификат знижк грош кошт безкоштовн подарун "
    "поверненн сертифікат atlaid naud kompensacij bezmaksas davan atmaks kupon bonus sertifikat discount money "
    "refund compensation free voucher coupon gift credit deposit"
)
EXTORTION_DEMAND = any_of(
    near(
        "дайте, дадите, дай, гоните, верните, вернете, компенсируйте, выплатите, требую, хочу, жду, предоставьте, "
        "получу, дасте, поверніть, повернете, компенсуйте, виплатіть, вимагаю, чекаю, надайте, отримаю, dodiet, "
        "iedodiet, atmaksajiet, kompensejiet, pieprasu, gribu, gaidu, izmaksajiet, pieskiriet, sanemsu, give, refund, "
        "send, compensate, want, demand, expect, pay, offer, owe, get",
        40,
        _GOODS,
    ),
    r"\bne?atmaksas\w* naud|\bpay (me )?back\b|\breturn my (money|deposit)\b|\brefund (me|my|the)\b",
)
# "I'll delete my review if you give me a discount": only for perks, not for the fix itself.
EXTORTION_REVERSE = any_of(
    near(
        "удалю, уберу, исправлю, изменю, поменяю, подниму, повышу, видалю, приберу, виправлю, зміню, підвищу, izdzesisu, "
        "nonemsu, labosu, mainisu, paaugstinasu, delete, remove, change, update, edit, take down, raise, improve",
        30,
        "отзыв оценк звезд рейтинг відгук оцінк зірк atsauksm vertejum zvaigzn reiting review rating star",
    )
)
PERKS = any_of(
    r"скидк|бесплатн|подар|компенсац|бонус|сертификат|купон|промо-?код|promo|знижк|безкоштовн|atlaid|bezmaksas"
    r"|davan|kompensacij|\bdiscount|\bfree\b|\bgift|\bvoucher|\bcoupon|\bcompensation|\bcredit\b"
)

# -- legal threats --------------------------------------------------------------------------------------------
LEGAL = any_of(
    r"\bсуд(а|е|у|ом|ы|ов|ам|і|и|ебн\w*|ов\w*)?\b|\bиск(ом|и|а)?\b",
    words(
        "исков*, адвокат*, юрист*, юридическ*, прокурат*, роспотребнадзор*, защит* прав потребител*, зозпп, "
        "уголовн*, ответите по закону, позов*, юридичн*, держспоживслужб*, захист* прав споживач*, кримінальн*, "
        "uz tiesu, ar tiesu, caur tiesu, tiesas cel*, tiesas prav*, tiesas sed*, iesudz*, sudzesu, advokat*, "
        "jurist*, juridisk*, prokuratur*, ptac, pateretaju tiesib*, sue, suing, sued, lawsuit*, lawyer*, attorney*, "
        "solicitor*, barrister*, legal action, legal claim, small claims, in court, consumer protection, "
        "trading standards, citizens advice, ombudsman, legal team, legal department, legal advice, "
        "legal proceedings"
    ),
    words("заявлени*, заявлю, обращусь, напишу, пожалуюсь, подам заявление, заяв*, звернуся, поскаржуся")
    + r" (в|во|до) (полици|поліці|органы|мвд)",
    near("versisos, zinosu, griezisos, iesniegsu", 25, "policij ptac tiesa"),
    r"\b(take|taking|see) (you|them|this|it)( all)? to court\b|(?<!food )\bcourt\b|\b(report|reporting) (you|this|"
    r"them|it) to (the )?(police|authorities|regulator)\b",
)
LEGAL_LV_COURT = re.compile(r"\btiesā\b", re.IGNORECASE)  # raw: "in court"; plain "tiesa" also means "true"

# -- abuse: insults aimed at people (not "terrible service") --------------------------------------------------
ABUSE = any_of(
    words(
        "дебил*, идиот*, урод*, мраз*, тварь, твари, сволоч*, ублюд*, козел, козлы, козлин*, скотин*, дураки, дуры, "
        "тупые, тупой, тупая, тупорыл*, тупица, тупицы, кретин*, дегенерат*, быдл*, чмо, лохи, лохов, мудак*, "
        "мудил*, шлюх*, пидор*, пидар*, гандон*, придурк*, придурок, хамло, болван*, бездарь, бездари, олух*, "
        "ничтожеств*, уебк*, уебок, ху[йяеюи]*, пизд*, еба*, ебан*, ебл*, бля, блядь, бляди, блядск*, блять, сука, "
        "суки, пошли на, пошел на, пошли вы на, идите на, идите вы на, дебіл*, ідіот*, покидь*, тварюк*, сволот*, "
        "виродк*, виродок, козли, дурні, тупі, тупий, тупа, тупиц*, бидл*, бовдур*, придурк*, недоумк*, підор*, "
        "їба*, йоба*, єба*, блядi, пішли на, пішли ви на, йдіть на, йдіть ви на, debil*, kretin*, mulki, mulkis, "
        "stulbenis, stulbeni, dirsa, dirsas, pakalas, mauka*, nahuj*, pidar*, lohi, lops, lopi, negelis, negeli, "
        "kuce, kuces, mergli, mergelis, drankis, dranki, sudabral*, idiot*, nejega*, ej dirst, ejiet dirst, "
        "ej tu dirst, ej elle, jus esat stulb*, morons?, moronic, imbeciles?, retard*, scum*, bastards?, assholes?, "
        "arseholes?, dickheads?, pricks?, bitch*, cunts?, fuck*, motherf*, wankers?, twats?, dumbass*, jackass*, "
        "clowns, halfwits?, nitwits?, losers, piece of shit, go to hell, burn in hell"
    ),
    r"\bх[*.]+[йя]|\bп[*]+зд|\bбл[*]+|\bf[*#@]+k\w*|\bf\*{2,}(?!\w)|\bsh[*]+t",
    r"\bstulb\w* (kurjer|darbiniek|pardevej|menedzer|viesmil|personal|sofer)\w*|\bstupid (people|staff|courier|driver|"
    r"manager|woman|man|girl|guy|waiter|waitress|employees?)\b|\byou('re| are) (so )?(stupid|dumb)\b",
)

# -- spam -----------------------------------------------------------------------------------------------------
SPAM_LINK = re.compile(
    r"(?:https?://|www\.)\S+|\b[a-z0-9][a-z0-9-]{1,62}\.(?:ru|ua|lv|com|net|org|io|me|shop|store|"
    r"info|biz|xyz|top|site|online|club|pro|cc|ly|link|click|su|by|kz|eu)\b(?:/\S*)?",
    re.I,
)
SPAM_HANDLE = re.compile(r"(?<![\w.@])@[a-z0-9_]{4,32}\b|\bt\.me/\S+|\bwa\.me/\S+", re.I)
SPAM_MESSENGER = any_of(
    words(
        r"whats\s?app, вотс?ап, ватс?ап, вацап, viber, вайбер*, telegram*, телеграм*, телег[еуа], "
        "в тг, instagram*, инстаграм*, інстаграм*, инсту, tiktok, тикток*"
    )
)
SPAM_PHONE = re.compile(
    r"\+\d[\d\s().-]{7,}\d|\b8[\s(-]*\d{3}[\s)-]*\d{3}[\s-]*\d{2}[\s-]*\d{2}\b"
    r"|\b\d{3}[\s-]\d{2,3}[\s-]\d{2}[\s-]\d{2}\b"
)
SPAM_CODE = re.compile(
    r"промо-?\s?код|промокод|promo-?\s?code|coupon code|код на скидку|akcijas kod|atlaizu kod"
    r"|atlaides kod|\bcode:",
    re.I,
)
SPAM_PROMO = any_of(
    words(
        "заработок, заработка, заработком, заработай, заработайте, доход, дохода, доходом, доходы, пассивн*, инвестиц*, "
        "крипт*, биткоин*, казино, букмекер*, подписывай*, подпиш*, переходи*, жми, кликай, накрутк*, раскрутк*, "
        "подписчик*, займы, займа, займов, микрозайм*, кредит*, без вложений, в лс, в личку, в директ, продам, "
        "мой канал, на моем канале, заходи* на, розыгрыш*, спешите, только сегодня, ставки на спорт, оптом, пиши* в, "
        "скидки до, покупайте, заказывайте у нас, заказывайте на, оптов* цен*, заробі*, заробит*, дохід, інвест*, "
        "біткоїн*, підписуй*, підпиш*, переходь*, тисни, позик*, мій канал, без вкладень, в особист*, заходь* на, "
        "розіграш*, поспішайте, тільки сьогодні, пиш* в, знижки до, купуйте, замовляйте у нас, замовляйте на, nopelni*, "
        "ienakum*, kriptovalut*, kazino, likmes, abone*, raksti man, aizdevum*, kredit*, manu kanalu, pardodu, "
        "tikai sodien, izloze*, steidzies, apmeklejiet musu, apmeklejiet manu, atlaides lidz, perciet, ieej un perc, "
        "ieej musu, pasutiet tagad, earn*, income, work from home, crypto*, bitcoin, forex, casino, betting, sign up, "
        "subscribe, follow me, follow us, click, dm me, my channel, for sale, followers, limited offer, loans?, "
        "check out my, use code, visit my, join my, giveaway, discounts up to, buy now, order now, shop now, check out, "
        "today only, only today, call now, call us, call me, звоните, звоніть, zvaniet, под ключ, raksti, rakstiet, "
        "пишите, пишіть, \\d+% off"
    )
)
LETTERS = re.compile(r"[^\W\d_]")
YOU = any_of(words("вы, вас, вам, вами, ваш*, ви, jus, jums, jusu, you, your, yours"))

# -- a fault told by its symptom ("часы перестали идти", "won't boil", "vairs neiet") --------------------------
_RU_FUNCTIONS = (
    r"включа\w* запуска\w* заряжа\w* загружа\w* греет греют нагрева\w* охлажда\w* морози\w* крути\w* "
    r"враща\w* печата\w* сканир\w* подключа\w* соединя\w* загора\w* светит светя\w* горит показыва\w* "
    r"всасыва\w* сосет качает слива\w* отжима\w* сушит стирает режет заводит\w* срабатыва\w* "
    r"открывается закрывается запирается идут(?!\s+(?:навстречу|на\s+контакт)) тикают ловит работа\w*"
)
_UK_FUNCTIONS = (
    r"вмика\w* запуска\w* заряджа\w* завантажу\w* гріє гріють нагріва\w* охолоджу\w* морози\w* "
    r"крути\w* оберта\w* друку\w* сканую\w* підключа\w* з'єдну\w* загора\w* світить світя\w* горить "
    r"показу\w* всмокту\w* смокче кача\w* злива\w* віджима\w* сушить ріже заводит\w* спрацьову\w* "
    r"відкривається закривається замикається йдуть(?!\s+(?:назустріч|на\s+контакт)) цокають ловить "
    r"працю\w*"
)
_LV_FUNCTIONS = (
    r"iesle[dg]\w* strada\w* darboj\w* ladej\w* uzlad\w* sild\w* dzese\w* griez\w* druka\w* savienoj\w* "
    r"pieslez\w* deg dega rada suc\w* iet atveras aizveras sak iedarboj\w* sasilst\w* vara kustas "
    r"mazga zave"
)
_EN_FUNCTIONS = (
    "turn on|switch on|power on|power up|boot|start|charge|hold (?:a )?charge|boil|heat|heat up|warm up|cool"
    "|freeze|spin|print|scan|connect|pair|sync|open|close|lock|load|light up|stick|drain|flush|tick|run"
    "|rotate|suck|blow|work|function|latch|zip|fit together"
)
_STOPPED_NOT_A_FAULT = (
    r"ходить\s+(?:в|во|к|сюда|туда|на)\b ходити\s+(?:в|у|до|сюди|на)\b iet\s+(?:uz|pie)\b "
    "отвечать звонить перезванивать писать общаться здороваться приходить заказывать покупать "
    "нравиться доверять відповідати дзвонити писати спілкуватися приходити замовляти купувати "
    "подобатися довіряти atbildet zvanit rakstit nakt pasutit pirkt"
)
SYMPTOM = any_of(
    r"\bперестал[аио]?\s+(?:\w+\s+)?(?!" + alt(_STOPPED_NOT_A_FAULT) + r")\w+(?:ть|ться|ти)\b",
    r"\bне\s+(?:\w+\s+)?" + alt(_RU_FUNCTIONS) + r"(?!\w)",
    r"\bперестав(?:ла|ло|ли)?\s+(?:\w+\s+)?(?!" + alt(_STOPPED_NOT_A_FAULT) + r")\w+(?:ти|тися|тись)\b",
    r"\bне\s+(?:\w+\s+)?" + alt(_UK_FUNCTIONS) + r"(?!\w)",
    r"\bparstaj(?:a|usi|is|usas)?\s+(?:\w+\s+)?(?!" + alt(_STOPPED_NOT_A_FAULT) + r")\w+(?:t|ties)\b",
    r"\bne" + alt(_LV_FUNCTIONS) + r"(?!\w)",
    r"\bstopped\s+(?!responding|answering|replying|calling|texting|talking|coming|going|ordering|buying|caring|using"
    r"|trusting|bothering|by)\w+ing\b",
    r"\b(?:won'?t|doesn'?t|does not|will not|wouldn'?t|can'?t|cannot|no longer|refuses to|fails to|failed to)\s+"
    r"(?:even\s+|properly\s+|fully\s+|always\s+)?(?:" + _EN_FUNCTIONS + r")s?\b",
    r"\b(?:is|are|was|were)(?:n'?t| not)\s+(?:charging|heating|cooling|spinning|printing|connecting|turning on"
    r"|switching on|booting|starting|working|draining)\b",
    r"\b(?:черн\w* экран|экран (?:погас|черн)|битые пиксел|чорн\w* екран|екран (?:погас|чорн)|melns ekrans|ekrans "
    r"(?:nodzisa|melns)|black screen|blank screen|dead pixels?|screen (?:is |went )?(?:black|blank|dead))\b",
    r"\b(?:detached|came loose|fell apart|fell out|won't stay (?:closed|shut|on))\b",
)
# the Latvian "ne-" pattern above is broad: these negated verbs are about people, not devices
SYMPTOM_NOT = any_of(r"\bne(?:iet\s+(?:uz|pie|pa)|sak\s+runat|rada\s+interes)")

# -- sarcasm: a praise word in quotes («быстрая» доставка, 'ātro' piegādi, "express" delivery) -----------------
QUOTED = re.compile(
    r"[«\"“„]\s*([^«»\"“”„\n]{2,40}?)\s*[»\"”“]|(?:(?<=\s)|^)['‘]([^'‘’\n]{2,30}?)['’](?=[\s.,!?:;)—-]|$)"
)
SARCASM_CUES = any_of(
    words(
        "браво, bravo, brava, thanks for nothing, thanks a lot for nothing, yeah right, "
        "спасибо за ничего, дякую за нічого, paldies par neko"
    )
)

# -- other shapes of a fixable problem --------------------------------------------------------------------------
_SENT = (
    r"(?:прислал\w*|привез\w*|положил\w*|пришел|пришла|пришло|пришли|доставил\w*|отправил\w*|выдал\w*|надіслал\w*"
    r"|поклал\w*|прийш\w*|відправил\w*|видал\w*|sent|delivered|received|got|gave|packed|put in|atsutij\w*|atveda"
    r"|ielika|atnaca|piegadaj\w*|iedeva|sanemu)"
)
_TIME_UNITS = (
    r"(?:дн[яеи]\w*|день|недел\w*|час\w*|минут\w*|дні\w*|тиж\w*|годин\w*|хвилин\w*|dien\w*|nedel\w*|stund\w*"
    r"|minut\w*|days?|weeks?|hours?|minutes?|\d+[:.]\d+)"
)
# "вместо M пришёл XL", "замість шести поклали чотири", "sent a blue one instead of red" — not "a week instead of 3 days"
WRONG_ITEM = re.compile(
    rf"^(?!.*\b{_TIME_UNITS}\b)(?=.*\b{_SENT}\b).*\b(?:вместо|замість|instead of|ta vieta|nevis)\b", re.IGNORECASE
)
NOT_AS_DESCRIBED = any_of(
    r"\b(?:хотя|а|но) (?:в|на) (?:описании|карточке товара|фото)\b|\bв описании (?:\w+ )?(?:указан|есть|заявлен|написан)",
    r"\b(?:хоча|а|але) (?:в|у|на) (?:описі|картці товару|фото)\b|\b(?:в|у) описі (?:\w+ )?(?:вказан|є|заявлен|написан)",
    r"\b(?:lai gan|bet) (?:aprakst|attel)\w*|\baprakst\w* (?:\w+ )?(?:noradit|ir|bija|rakstit)\w*",
    r"\bdescription (?:says|said|shows|mentions|lists)\b|\blisted in the description\b|\baccording to the "
    r"(?:description|listing)\b|\b(?:but|although|though|while) the (?:description|listing|photos?) (?:says|said|shows)",
)
PARTIAL = any_of(  # "only two of the three chairs came"
    r"\b(?:только|лишь) (?:одн\w+|один|дв[ае]|тр[иёе]\w*|четыр\w+|пят\w+|\d+) (?:\w+ )?из\b",
    r"\b(?:тільки|лише) (?:одн\w+|один|дв[аі]|тр[иь]\w*|чотир\w+|п'ят\w+|\d+) (?:\w+ )?(?:з|із)\b",
    r"\btikai (?:vien\w*|div\w*|tris|trij\w*|cetr\w*|piec\w*|\d+) (?:\w+ )?no\b|\bnetika (?:piegadat|atvest|atsutit)\w*",
    r"\bonly (?:got |received |sent |delivered )?(?:one|two|three|four|five|\d+) (?:\w+ )?(?:of|out of)\b"
    r"|\bone of the (?:two|\w+) (?:was|were|is) missing",
)
FIX_SHAPES = (
    ("symptom", SYMPTOM),
    ("wrong-item", WRONG_ITEM),
    ("not-as-described", NOT_AS_DESCRIBED),
    ("partial", PARTIAL),
)

# -- what decides "abuse with no complaint in it" vs. a complaint that swears ----------------------------------
# Profanity used as an intensifier ("хуй его знает", "fucking slow", "уебанская сеть") is how many people complain;
# it is abuse only when it is aimed at someone ("пошли вы на…", "f*** you") or when the text is nothing else.
PROFANITY = any_of(
    r"\bху[йяеюи]\w*|\bпизд\w*|\b[еєї]ба\w*|\bеб[ауол]\w*|\bуеб\w*|\bйоб\w*|\bбл[яь]\w*|\bfuck\w*|\bmotherf\w*"
    r"|\bsh[i*]+t\w*|\bnahuj\w*|\bnah[uy]i\w*|\bх[*.]+[йя]\w*|\bп[*]+зд\w*|\bбл[*]+\w*|\bf[*#@]+k\w*|\bf\*{2,}(?!\w)\w*"
)
AIMED = any_of(
    r"\b(?:fuck|f[*#@]+k|f\*{2,})\w*\s+(?:you|u|off|them|this)\b",
    words(
        "пошли на, пошел на, пошли вы на, идите на, идите вы на, иди на, пішли на, пішли ви на, йдіть на, "
        "йдіть ви на, іди на, ej dirst, ejiet dirst, ej tu dirst, ej elle, go to hell, burn in hell"
    ),
)
# Insult adjectives ("тупой", "stupid") aim at a person only next to one: "вы все тупые", "курьер — тупой баран".
INSULT_ADJECTIVE = any_of(
    words(
        "тупые, тупой, тупая, тупі, тупий, тупа, дебильн*, дебільн*, идиотск*, ідіотськ*, "
        "тупорыл*, stupid, dumb, idiotic, moronic, stulb*, debil*s, debil*a, debil*i"
    )
)
# A call to action: what turns "loan", "income", "crypto" from a topic into an advertisement.
SPAM_CALL = any_of(
    words(
        "продам, продаю, пиши мне, пишите мне, в личку, в лс, в директ, в личные, пиши мені, "
        "в особисті, pardodu, for sale, selling, dm me, "
        "подписывай*, подпишись, подпишитесь, переходи*, жми, кликай, пиши* в, пишите, звоните, заходи* на, спешите, "
        "покупайте, заказывайте, оформляй*, получи*те бесплатно, підписуй*, підпишись, переходь*, тисни, пиш* в, "
        "пишіть, звоніть, заходь* на, поспішайте, купуйте, замовляйте, raksti man, rakstiet, zvaniet, steidzies, "
        "apmeklejiet, perciet, ieej, pasutiet tagad, abonē*, abone*, subscribe, follow me, follow us, click, dm me, "
        "sign up, buy now, order now, shop now, call now, call us, call me, use code, visit my, join my, join now, "
        "join us, check out my, register now, limited offer, today only, only today"
    )
)
PERSON = any_of(
    words(
        "вы, ви, ты, ти, jus, tu, you, u, курьер*, водител*, продав*, менеджер*, официант*, сотрудник*, персонал*, мастер*, "
        "оператор*, консультант*, кассир*, администратор*, охранник*, кур'єр*, водій, продавець, менеджер*, офіціант*, "
        "працівник*, майстер*, охоронц*, kurjer*, sofer*, pardevej*, menedzer*, viesmil*, darbiniek*, personal*, "
        "manager*, staff, employee*, courier*, driver*, waiter*, waitress*, cashier*, seller*, owner*, guy, woman, man, "
        "girl, people"
    )
)

# -- a complaint whatever the stars say: "5★ — never again", "не рекомендую" ------------------------------------
STRONG_COMPLAINT = any_of(
    words(
        "никогда больше, больше никогда, больше ни ногой, ноги моей, не рекомендую, не советую, не покупайте, "
        "не берите, не ведитесь, обходите стороной, деньги на ветер, выброшенные деньги, пустая трата, зря потратил*, "
        "ніколи більше, більше ніколи, не рекомендую, не раджу, не купуйте, не беріть, обходьте стороною, гроші на вітер, "
        "марна трата, даремно витрачен*, nekad vairs, vairs nekad, neiesaku, neperciet, nepirkt, naudas izsviesana, "
        "never again, never going back, never coming back, never go there any more, never go there anymore, "
        "never go back, not been back, haven't been back, hasn't been back, "
        "больше не хожу, больше не ходим, більше не ходжу, vairs neejam, vairs neiesu, "
        " never buying, never order*, never return*, will not return, "
        "won't return, won't be back, will not be back, not coming back, not going back, would not recommend, "
        "wouldn't recommend, do not recommend, don't recommend, can't recommend, cannot recommend, do not buy, "
        "don't buy, don't waste, do not waste, waste of money, waste of time, stay away, avoid this, avoid at all costs, "
        "zero stars, 0 stars, returning it, returned it, sent it back, ноль звезд, 0 звезд, нуль зірок, 0 зірок"
    )
)
