"""Prompt-injection detection: a review that talks to the model instead of to the business.

Why shapes, not strings: attackers rephrase, the shapes stay. Strong shapes flag on their own:
  * an order to drop the rules: "ignore/forget/disregard (previous|above|your) instructions" (imperative);
  * chat-template markup or role labels: `</review>`, `[INST]`, `<|im_start|>`, `### system`, "SYSTEM:";
  * a new identity: "you are now the manager", "act as", "pretend you are", "developer mode", "jailbreak";
  * "system prompt", "reveal your instructions";
  * an order about *the reply*: "end your reply with", "в ответе напиши", "atbildē uzraksti, ka man pienākas…";
  * a canary: an order to write a token (ALL-CAPS, WORD-1234, a quoted code word).
Weak shapes flag only together with an imperative: an address to an AI ("Dear AI,", "Бот,", "Для модели,
которая будет отвечать", "Шановний ШІ-помічнику"), "from now on you…", "new rules".
The same words appear in plain complaints in other shapes ("the courier ignored my instructions", "the
assistant at the till was rude", "напишите в ответе, когда будет замена?"), so past tenses, questions and
polite requests without dictated content are not orders to a model.
Runs on folded text (see lexicon.fold); canary tokens are looked for in the raw text, where capitals survive.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass

from assistant.domain.classification.patterns import SAME_SENTENCE as _S
from assistant.domain.classification.patterns import alt, words
from assistant.text.alternation import any_of
from assistant.text.meaning import _MONEY_OBJECT, contact_channels, money_promises
from assistant.text.normalize import inspection_views
from assistant.text.scripts import fold

# -- vocabulary ------------------------------------------------------------------------------------------------
_AI = (
    r"(?:a\.?i\b\.?|chat\s?-?gpt\w*|gpt-?\w*|llm|chat\s?-?bot\w*|bots?\b|language model|neural net\w*|openai|"
    r"artificial intelligence|ии\b|нейросет\w*|нейронк\w*|чат-?бот\w*|бот(?:а|у|ом|е|ы)?\b|гпт|чатгпт|"
    r"искусственн\w* интеллект\w*|языков\w* модел\w*|ші\b|нейромереж\w*|штучн\w* інтелект\w*|мовн\w* модел\w*|"
    r"mi\b|maksliga\w* intelekt\w*|cata?\s?-?bot\w*|valodas model\w*|neironu tikl\w*)"
)
_AI_ROLE = (
    r"(?:assistant|model|system|ассистент\w*|помощник\w*|модел\w*|систем\w*|асистент\w*|помічник\w*|"
    r"asistent\w*|palig\w*|sistem\w*)"
)
_ADDRESS_WORDS = (
    r"(?:hey|hi|hello|dear|attention|note to|message to|эй|привет|дорог\w+|уважаем\w+|внимание|слушай|"
    r"обращаюсь к|вопрос к|сообщение для|привіт|шановн\w+|любий|увага|слухай|звертаюся до|питання до|"
    r"повідомлення для|sveiks|sveiki|cau|dargais|darga|cienijam\w+|uzmanibu|klausies|zinojums)"
)
_TO_WORDS = r"(?:to|for|к|для|до|prieks)"
_DETERMINER = (
    r"(?:the|your|our|you|вашему|вашей|вашего|вашим|нашему|твоему|вашому|вашій|нашому|твоєму|jusu|musu|"
    r"tavam)"
)
_REPLYING = (
    r"(?:when (?:you )?(?:answer|reply|respond|write)\w* (?:to )?(?:this|the|my)? ?(?:review|comment|feedback)"
    r"|когда (?:будешь )?(?:отвеча\w*|ответишь)|коли (?:будеш )?(?:відповіда\w*|відповіси)|kad atbild(?:esi|i)\b"
    r"|(?:writ|generat)ing (?:the |these |our |your )?(?:replies|responses|answers)|answering (?:the |these "
    r"|this |our )?(?:reviews?|comments|this)|reading this|(?:who|that|which) (?:writes|answers|reads|generates"
    r"|replies to|will (?:reply|answer|respond)(?: to)?) (?:the |these |this |our |my )?(?:reviews?|replies"
    r"|responses|answers|comments|this)|(?:котор\w+|что),? (?:будет отвечать|ответит|отвечает на (?:\w+ )?"
    r"(?:отзыв|комментари)\w*|(?:пишет|генерирует|будет писать) ответ\w*|читает (?:это|этот|отзыв))"
    r"|(?:як\w*|що|хто),? (?:буде відповідати|відповідатиме|відповість|відповідає на (?:\w+ )?(?:відгук|коментар)"
    r"\w*|(?:пише|генерує|писатиме) відповід\w*|читає (?:це|цей|відгук))|(?:kas|kurs|kura),? (?:atbildes uz|"
    r"atbild uz atsauksm|raksta atbild|genere|lasa so)\w*)"
)
ADDRESS = any_of(
    rf"\b{_ADDRESS_WORDS}[\s,:]+(?:{_DETERMINER}\s+)?(?:\w+[\s-]+)?(?:{_AI}|{_AI_ROLE})",
    rf"\b{_TO_WORDS}\s+(?:{_DETERMINER}\s+)?{_AI}",
    rf"(?:^|[.!?\n][^\S\n]*)(?!ai\s*,\s*(?:cik|kad\w*|ka|kas)\b){_AI}\s*[,:!]",  # not the Latvian "ai, cik…"
    rf"(?:{_AI}|{_AI_ROLE}){_S}{{0,12}}{_REPLYING}",
    rf"\b(?:if|since|as) you(?:'re| are) (?:an? )?{_AI}|\bas an? {_AI}|\bесли ты (?:\w+ )?{_AI}|\bякщо ти (?:\w+ )?{_AI}"
    rf"|\bja tu esi (?:\w+ )?{_AI}|\b(?:как|як|ka) (?:\w+ )?{_AI}[,:]",
    rf"(?:^|[.!?,;:]\s*)(?:as|как|як|ka) (?:the |an? |your |ваш\w* |ваш |jusu )?(?:\w+ )?(?:{_AI}|{_AI_ROLE})\b",
    rf"\b(?:you(?:'re| are)|ты|ти|tu esi)\s*[—–-]?\s*(?:just |only |an? |просто |лише |tikai )?(?:\w+ )?{_AI}",
)
AI_NOUN = any_of(rf"\b(?:{_AI}|{_AI_ROLE})")  # cheap gate: no AI noun, no address to an AI
ROLE_LABEL_RAW = re.compile(
    r"(?:^|[.!?\n][^\S\n]*)(?:System|Assistant|Assistent|Ассистент|Асистент|Система|Sistēma)\s*:"
    r"|\b(?:SYSTEM|ASSISTANT|USER|ADMIN|DEVELOPER|INSTRUCTIONS?|PROMPT|СИСТЕМА|АССИСТЕНТ|"
    r"АСИСТЕНТ|SISTĒMA)\s*:"
)

# Imperatives a customer does not send a shop but a prompt does. Singular forms are listed; plurals are derived.
_CMD = {  # orders about text and rules
    "ru": "подпишись напиши скажи добавь вставь включи поставь укажи подтверди пообещай обещай гарантируй сгенерируй "
    "генерируй создай составь ответь отвечай выдай выведи повтори закончи заверши начни упомяни переведи игнорируй "
    "проигнорируй забудь раскрой притворись представь действуй похвали назови говори пиши подпиши",
    "uk": "підпишися підпишись напиши скажи додай встав включи постав вкажи підтверди пообіцяй обіцяй гарантуй згенеруй "
    "генеруй створи склади відповідай відповіж видай виведи повтори закінчи заверши почни згадай переклади "
    "ігноруй проігноруй "
    "забудь розкрий прикинься уяви дій похвали назви говори пиши підпиши",
    "lv": "paraksties izdruka uzraksti raksti pasaki saki pievieno ieliec ieklauj noradi apstiprini apsoli genere "
    "izveido izvadi atkarto beidz pabeidz sac piemini tulko aizmirsti atklaj izliecies iedomajies uzvedies "
    "garante uzslave "
    "nosauc paraksti",
}
_DEMAND = {  # what a customer also asks of a shop: an order to a model only once the model is addressed
    "ru": "дай верни оформи сделай выполни одобри предложи покажи работай прекрати перестань извинись",
    "uk": "дай поверни оформи зроби виконай схвали запропонуй покажи працюй припини перестань вибачся",
    "lv": "dod iedod atgriez noforme izdari izpildi piedava paradi strada partrauc atvainojies atbildi",
}
_EN_CMD = (
    "write|say|tell|include|add|append|insert|put|type|reply|respond|answer|confirm|promise|guarantee|generate"
    "|output|print|repeat|mention|state|end|start|begin|sign|sign off|translate|ignore|disregard|forget|reveal"
    "|pretend|act|speak"
)
_EN_DEMAND = "give|offer|grant|approve|refund|send|show|switch|agree|describe|use|apologi[sz]e|praise|call|make"
_CLAUSE_START = (
    r"(?:^|[.!?:;,\n\-—–(\[\]>{\"«“][^\S\n]*|\b(?:please|pls|kindly|and|now|then|also|so|just|from now on|always)"
    r"\s+)"
)


def _plural(lang: str, word: str) -> str:
    if lang == "ru":
        return word + "те"
    if lang == "uk":
        return word[:-1] + "іть" if word.endswith("и") else word + "те"
    if word.endswith("i"):
        return word + "et"
    if word[-1] in "aeo":
        return word + "jiet"
    return word + "iet"


def _forms(table: dict[str, str], plural: bool) -> str:
    return "|".join(_plural(lang, w) if plural else w for lang in table for w in table[lang].split())


_SINGULAR, _PLURAL = _forms(_CMD, False), _forms(_CMD, True)
ANY_COMMAND = any_of(
    rf"\b(?:{_forms(_DEMAND, False)}|{_forms(_DEMAND, True)})\b", rf"{_CLAUSE_START}(?:{_EN_DEMAND})\b"
)
COMMAND = any_of(
    rf"\b(?:{_SINGULAR}|{_PLURAL})\b",
    rf"{_CLAUSE_START}(?:{_EN_CMD})\b",
    r"\byou (?:must|should|have to|need to|are to|shall|are required to|will now)\b|\bi (?:want|need) you to\b"
    r"|\bmake sure (?:to|you|that)\b|\b(?:do not|don't|never) (?:mention|say|apologi|include|tell|reveal)"
    r"|\bты (?:должен|должна|обязан|обязана)\b|\bтебе (?:нужно|надо|следует)\b|\bти (?:повинен|повинна|мусиш|"
    r"зобов'язан\w*)\b|\bтобі (?:треба|потрібно|слід)\b|\btev ja\w{3,}",
)
SINGULAR_COMMAND = any_of(rf"\b(?:{_SINGULAR})\b")

# -- strong shapes ---------------------------------------------------------------------------------------------
_RULES = (
    r"(?:instructions?|prompts?|rules|directions|guidelines|guidance|directives?|orders|commands?|constraints"
    r"|restrictions|programming|training|the above|everything (?:above|before|prior)|all (?:of )?the above"
    r"|what (?:you were|i) (?:told|said)|previous messages?|инструкц\w*|указани\w*|правил\w*|промпт\w*"
    r"|ограничени\w*|директив\w*|предписани\w*|вс[её] выше|вышесказанн\w*|вышенаписанн\w*"
    r"|інструкці\w*|вказівк\w*|налаштуван\w*|обмежен\w*|все (?:вище|попереднє)|вищесказан\w*|instrukcij\w*"
    r"|noradijum\w*|noteikum\w*|uzvedn\w*|ierobezojum\w*|direktiv\w*|iestatijum\w*|visu augstak\w*)"
)
_QUALIFIER = (
    r"(?:previous|prior|above|preceding|earlier|original|initial|system|developer|предыдущ\w*|вышеуказанн\w*"
    r"|прежн\w*|изначальн\w*|системн\w*|исходн\w*|попередн\w*|вищезазначен\w*|початков\w*|системн\w*"
    r"|ieprieks\w*|sakotnej\w*|sistemas|augstak\w*)"
)
_IGNORE_IMPERATIVE = (
    r"(?:игнорируй(?:те)?|проигнорируй(?:те)?|забудь(?:те)?|отбрось(?:те)?|не (?:обращай(?:те)?"
    r"|учитывай(?:те)?|следуй(?:те)?)|пренебреги(?:те)?|обойди(?:те)?|ігноруй(?:те)?|проігноруй(?:те)?"
    r"|забудь(?:те)?"
    r"|відкинь(?:те)?|не (?:зважай(?:те)?|враховуй(?:те)?|дотримуйся)|знехтуй(?:те)?|ignorejiet"
    r"|aizmirsti(?:et)?|nenem(?:iet)? vera|atmet(?:iet)?)"
)
_IGNORE_BARE = r"(?:ignore|disregard|forget|override|bypass|neievero(?:jiet)?)"
# not past tenses: "the courier ignored my previous instructions" is a complaint
_IGNORE_ANY = (
    r"(?:ignore|ignoring|disregard|disregarding|forget|forgetting|override|overriding|bypass|bypassing"
    r"|игнорируя|проигнорировав|забыв|ігноруючи|проігнорувавши|забувши|ignorejot|aizmirstot"
    r"|игнорируй\w*|игнорировать|проигнорируй\w*|проигнорировать|забудь\w*|забыть|ігноруй\w*|ігнорувати"
    r"|проігноруй\w*|проігнорувати|забути|ignorejiet|ignoret|aizmirst|aizmirsti\w*)"
)
IGNORE_RULES = any_of(
    r"\b(?:ignoriere|vergiss|missachte|ignoruj|zapomnij|ignorez|oubliez|ignora|olvida)\w*\b.{0,40}?(?:anweisung|regeln"
    r"|vorgaben|instrukcj|polecen|zasad|instructions|consignes|istruzioni|instrucciones|reglas)",
    rf"\b{_IGNORE_IMPERATIVE}\b{_S}{{0,40}}?{_RULES}",
    rf"{_CLAUSE_START}{_IGNORE_BARE}\b{_S}{{0,40}}?{_RULES}",
    rf"\b{_IGNORE_ANY}{_S}{{0,25}}?\b{_QUALIFIER}{_S}{{0,20}}?{_RULES}",
    rf"{_CLAUSE_START}(?:forget|disregard|ignore) (?:everything|all(?: of)? that|all)(?: you(?:'ve| have)? (?:been|were) "
    r"told| (?:above|before|said before|written above))"
    r"|\bзабудь(?:те)? (?:вс[её]|все), (?:что|чему) (?:тебе|вам|тебя|вас)|\bзабудь(?:те)? (?:вс[её]|все) (?:выше|ранее|"
    r"до этого)|\bзабудь(?:те)? все,? що (?:тобі|вам|тебе|вас)|\bзабудь(?:те)? все (?:вище|раніше)"
    r"|\baizmirsti(?:et)? visu,? (?:ko|kas) (?:tev|jums)|\baizmirsti(?:et)? visu (?:augstak|iepriekš|ieprieks)",
)
MARKUP = any_of(
    r"</?\s*(?:review|system|user|assistant|instructions?|prompt|context|im_start|im_end|inst|s|sys)\s*>",
    r"<\|[a-z_]+\|>|\[/?\s*(?:inst|system|sys|user|assistant)\s*\]|<<\s*/?sys\s*>>",
    r"(?<!#)#{2,}\s*(?:system|instructions?|assistant|user|new|prompt|response)\b",
    r"(?:^|\n)[^\S\n]*(?:system|assistant|user)\s*:",
    r"[\"']role[\"']\s*:\s*[\"'](?:system|assistant|developer|user)",  # a chat message as JSON
)
_ROLES = (
    "assistant bot chatbot ai model manager owner agent employee representative admin developer mode dan character "
    "persona lawyer expert ассистент помощник бот чат-бот ии нейросет модел менеджер владел директор сотрудник "
    "представител администратор разработчик режим персонаж юрист эксперт продав должен обязан асистент "
    "помічник ші власник працівник представник адміністратор розробник повинен мусиш зобов asistent palig "
    "bots catbot cata mi menedzer vaditaj ipasniek direktor darbiniek parstav administrator izstradataj rezim "
    "tel jurist без\\sограничени без\\sобмежен bez\\sierobezojum without\\s(?:any\\s)?(?:restrictions|limits|filters)"
)
_AI_ROLES = (
    "assistant bot chatbot ai model developer mode dan character persona ассистент помощник бот чат-бот ии "
    "нейросет модел режим персонаж асистент помічник ші asistent palig bots catbot cata mi rezim tel "
    "без\\sограничени без\\sобмежен bez\\sierobezojum without\\s(?:any\\s)?(?:restrictions|limits|filters)"
)
NEW_IDENTITY = any_of(
    r"\b(?:you are now|you're now|ты теперь|теперь ты|отныне ты|ти тепер|тепер ти|відтепер ти|tu tagad esi|tagad tu esi"
    rf"|no sis (?:dienas|bridis|briza) tu(?: esi)?)\b[ ,—-]*(?:\w+ ){{0,3}}{alt(_ROLES)}",
    r"\b(?:вы теперь|теперь вы|отныне вы|ви тепер|тепер ви|відтепер ви|jus tagad esat|tagad jus esat|jus esat tagad"
    r"|you(?:'re| are) no longer|ты больше не|ти більше не|tu vairs neesi|jus vairs neesat)\b"
    rf"[ ,—-]*(?:\w+ ){{0,3}}{alt(_AI_ROLES)}",
    rf"{_CLAUSE_START}(?:act as (?:an?|the|my)|pretend (?:to be|you are|you're|that you)|role-?play(?: as)?)\b",
    r"\bfrom now on,? you (?:are|must|answer|reply|respond|act|speak|write|only|work)\b|\bas an ai\b|\byou must now\b",
    words(
        "представь что ты, представь, что ты, представьте что вы, притворись, сыграй роль, ролев* игр*, "
        "веди себя как, уяви що ти, уяви, що ти, прикинься, зіграй роль, рольов* гр*, поводься як, iedomajies ka tu, "
        "iedomajies, ka tu, izliecies, telo lomu, spele lomu, uzvedies ka"
    ),
)
SYSTEM_PROMPT = any_of(
    r"\bsystem\s*prompt|\bsystem message\b|\bdeveloper mode\b|\bjailbreak|\bdan mode\b|\bрежим разработчика\b"
    r"|\bрежим розробника\b|\bizstradataja rezim\w*|\bджейлбрейк|системн\w* (?:промпт|подсказк|сообщени|инструкц|"
    r"підказк|повідомлен)|\bпромпт\w*|\bsistemas (?:uzvedn|prompt|zinojum|instrukcij)",
    rf"{_CLAUSE_START}(?:reveal|show|print|repeat|output|display|tell me|give me|share|leak|dump)(?: me)? (?:your|the) "
    r"(?:system |initial |hidden |original )?(?:instructions|prompt|rules|guidelines|configuration)\b"
    r"|\bwhat (?:are|were) your (?:instructions|rules|guidelines)\b",
    r"\b(?:покажи|выведи|раскрой|повтори|расскажи|скажи|дай|распечатай|напечатай|перечисли|виведи|розкрий|розкажи"
    r"|роздрукуй|надрукуй|перелічи|paradi|izvadi|atklaj|atkarto|pastasti|pasaki|dod|izdruka|uzskaiti)(?: мне| мені| man)?"
    r" (?:сво\w*|тво\w*|системн\w*|исходн\w*|скрыт\w*|секретн\w*|вихідн\w*|прихован\w*|sav\w*|tav\w*|sistemas"
    r"|slept\w*|slepen\w*)(?: \w+)? (?:инструкц|промпт|правил|настройк|указани|подсказк|інструкці|налаштуван|вказівк"
    r"|підказк|instrukcij|uzvedn|noteikum|iestatijum|noradijum)",
)
NEW_RULES = any_of(
    r"\bnew (?:rules?|instructions?|task|role|persona|directives?|guidelines|prompt|orders)\b"
    r"|\bновы[ейх]? (?:правил\w*|инструкци\w*|задач\w*|рол\w*|указани\w*)|\bнов(?:а|і|ий|е) (?:правил\w*"
    r"|інструкці\w*|завдан\w*|рол\w*|вказівк\w*)|\bjaun(?:i|as|s|a) (?:noteikum\w*|instrukcij\w*|uzdevum\w*"
    r"|lom\w*|noradijum\w*)|\byour (?:new )?(?:task|job|role) (?:is|now)\b|\bтвоя (?:новая )?(?:задача|роль)\b"
    r"|\bтво[єя] (?:нове |нова )?(?:завдання|роль)\b|\btavs (?:jaunais )?uzdevums\b"
)
TEMPORAL_YOU = any_of(
    r"\bfrom now on,? you\b|\bотныне (?:ты|вы)\b|\bс (?:этого|сегодняшнего) (?:момента|дня),? (?:ты|вы)\b"
    r"|\bвідтепер (?:ти|ви)\b|\bз (?:цього|сьогоднішнього) (?:моменту|дня),? (?:ти|ви)\b"
    r"|\bno (?:sis|sodienas) (?:bridis|briza|dienas),? (?:tu|jus)\b|\b(?:tagad|turpmak) tu\b"
)
SERVES = any_of(
    r"\b(?:работаешь|служишь|подчиняешься|працюєш|служиш|strada(?:si)? (?:man|prieks)|work for|obey|serve)\b"
)
# "in your reply", "в конце ответа", "у відповіді", "atbildes beigās"
REPLY_REF = any_of(
    r"\b(?:in|into|to|at the (?:end|start|beginning|bottom|top) of|end|start|begin|finish|sign|close) (?:your |the |this "
    r"|each |every |all |any )?(?:reply|replies|answer|response|responses)\b|\bevery (?:reply|answer|response)\b",
    r"\b(?:в|во) (?:сво\w+ |тво\w+ |ваш\w+ |каждом )?ответ(?:е|ах)?\b|\b(?:в|на) (?:конце|начале|конец|начало) "
    r"(?:сво\w+ |тво\w+ |ваш\w+ )?ответа\b|\bк (?:сво\w+ |тво\w+ )?ответу\b",
    r"\b(?:у|в) (?:сво\w+ |тво\w+ |ваш\w+ |кожн\w+ )?відповід[іь]\b|\b(?:в|у|на) (?:кінці|початку) (?:сво\w+ |тво\w+ "
    r"|ваш\w+ )?відповіді\b|\bдо (?:сво\w+ |тво\w+ )?відповіді\b",
    r"\batbilde\b|\batbildes (?:beig|sakum)\w*|\batbildei\b|\bkatra atbilde\b",
)
# "the reply must start with…", "ответ должен содержать…", "atbildei jāsākas ar…": a rule for the text itself
REPLY_MUST = any_of(
    r"\b(?:end|finish|start|begin|sign|close|conclude|open|write|format|translate|keep|make)(?:ing)? (?:your|the|this|each"
    r"|every) (?:reply|answer|response|message)s? (?:with|in|as|by|using|short|only)\b",
    r"\b(?:закончи|заверши|начни|подпиши)(?:те)? (?:сво\w+ |тво\w+ |ваш\w+ )?ответ\w*\b"
    r"|\b(?:закінчи|заверши|почни|підпиши)(?:ть|те)? (?:сво\w+ |тво\w+ |ваш\w+ )?відповід\w*\b"
    r"|\b(?:beidz|pabeidz|sac|paraksti)(?:iet|et)? (?:savu |tavu |jusu )?atbildi\b",
    r"\b(?:your|the|each|every) (?:reply|answer|response)s? (?:must|should|has to|have to|needs? to|will) (?:start|begin"
    r"|end|contain|include|say|mention|be written|sound)",
    r"\b(?:тво\w+ |ваш\w+ )?ответ\w* (?:долж\w+|обязан\w*|нужно|надо) (?:\w+ )?(?:начинат|заканчиват|содержат|включат"
    r"|быть)\w*",
    r"\b(?:тво\w+ |ваш\w+ )?відповід\w* (?:повинн\w+|має|мусить|треба) (?:\w+ )?(?:починат|закінчуват|містит|включат"
    r"|бути)\w*",
    r"\b(?:tavai |jusu )?atbildei (?:ja\w+|vajag|jabut)",
)
_DICTATED = (
    r"(?:[«\"“„][^«»\"“”„]{1,60}[»\"”“]|(?:(?<=\s)|^)['‘][^'‘’]{1,60}['’](?!\w)"
    r"|\b(?:that|что|що|ka)\b.{0,60}(?:\d+ ?%|refund|discount|free|compensat|owed|entitled"
    r"|i (?:get|will get|am getting)"
    r"|скидк|возврат|бесплатн|компенсац|положен|полагает|получу|знижк|поверненн|безкоштовн|належить|отримаю"
    r"|atlaid|atmaks|bezmaksas|kompensac|pienakas|sanemsu|krapniek|мошенник|шахра|scam|лучш|найкращ|labak|best)"
    r"|\b(?:only|nothing else|только|тільки|лише|tikai)\b)"
)
_QUESTION_WORD = r"\b(?:when|where|how|why|whether|if|когда|где|как|почему|коли|де|як|чому|kad|kur|ka|kapec|vai)\b"
# canary tokens (raw text): WORD-1234, or an ALL-CAPS word named as "the word/code/phrase" or "only with"
TOKEN_CODE = re.compile(r"(?<![\w-])[A-ZА-ЯІЇЄҐĀČĒĢĪĶĻŅŠŪŽ]{2,}[-_]\d{2,}(?![\w-])")
TOKEN_NAMED = re.compile(
    r"(?:\b(?:word|phrase|code|token|string|password|passphrase|слово|словом|фразу|фраза|код|"
    r"кодом|пароль|вираз|vārdu|vārds|frāzi|kodu|paroli)|\bonly with|\bjust with|\bтолько|\bлишь"
    r"|\bтільки|\bлише|\btikai)\s*[«\"'“]?\s*"
    r"(?:[A-ZА-ЯІЇЄҐĀČĒĢĪĶĻŅŠŪŽ]{3,}\b|[^\s«»\"'“”]{2,30}[»\"'”])"
)
_NOT_A_CANARY = re.compile(
    r"(?:order|заказ\w*|замовлен\w*|pasūtījum\w*|№|#|номер\w*|number|nr\.?|артикул\w*|article|"
    r"model|модел\w*|modelis|трек\w*|tracking|ттн|sku)\W{0,3}(?:\w+\W{0,3})?$",
    re.IGNORECASE,
)
_NOT_A_QUESTION = r"(?![^.!\n]*\?)"
# "reply that …", "ответь, что …": an order only when not a question and a bot is mentioned somewhere
DICTATE_THAT = any_of(
    r"(?<!to )"
    + words("reply, respond, answer, say, write, confirm, promise")
    + r"\s+(to me\s+)?(that|saying)\b"
    + _NOT_A_QUESTION,
    words("ответь, ответьте, напиши, напишите, скажи, скажите, подтверди, подтвердите, пообещай, пообещайте")
    + r"\s*,?\s*что\b"
    + _NOT_A_QUESTION,
    words("відповідай, відповідайте, напиши, напишіть, скажи, скажіть, підтверди, пообіцяй, пообіцяйте")
    + r"\s*,?\s*що\b"
    + _NOT_A_QUESTION,
    words("atbildi, atbildiet, uzraksti, pasaki, apstiprini, apsoli") + r"\s*,?\s*ka\b" + _NOT_A_QUESTION,
)
BOT_MENTION = any_of(rf"\b{_AI}", words("prompt, ai assistant, virtual assistant, ии-ассистент*"))
_SENTENCE = re.compile(r"[^.!?\n]+[.!?\n]*")
_ORDER_REACH = 60  # a token this far after an order (or a mention of the reply) is the thing to write


# Cheap gates (plain stems, no context) so that the costly shapes run only on the few reviews that could match.
_GATES = {
    "ignore-rules": re.compile(
        r"ignor|disregard|forg[eo]t|overrid|bypass|игнор|забу|забы|отбрось|не обращ|не учит|не след"
        r"|пренебр|обойд|ігнор|відкин|не зважа|не врахо|не дотрим|знехту|aizmirst|nenem|atmet"
        r"|neievero"
        r"|vergiss|missacht|zapomn|oubli|olvid"
    ),
    "new-identity": re.compile(
        r"now|теперь|отныне|тепер|tagad|no sis|act as|pretend|role|представь|притвор|сыграй|ролев"
        r"|веди себя|уяви|прикин|зіграй|рольов|поводься|iedomaj|izliec|telo lom|spele lom|uzvedies"
        r"|longer|больше не|більше не|vairs ne|as an ai"
    ),
    "system-prompt": re.compile(
        r"prompt|промпт|system|систем|sistem|developer|jailbreak|джейлбр|dan mode|режим|rezim"
        r"|instruc"
        r"|rules|guideline|configur|инструкц|правил|настройк|указани|подсказк|інструкці|налаштув"
        r"|вказівк|підказк|instrukc|uzvedn|noteikum|iestatij|noradij"
    ),
    "markup": re.compile(r"[<\[#{]|system|assistant|user"),
    "reply": re.compile(r"repl|answer|respons|messag|ответ|відповід|atbild"),
}
_DICTATE_GATE = re.compile(r"\b(?:that|saying|что|що|ka)\b")


@dataclass(frozen=True)
class Finding:
    reason: str  # "injection:<shape>:<matched text>"
    spans: tuple[tuple[int, int], ...]  # sentences that order a model around, as offsets in the text
    positions: tuple[int, ...] = ()  # where the orders themselves start


def _sentences(text: str) -> list[tuple[int, int]]:
    return [(m.start(), m.end()) for m in _SENTENCE.finditer(text)]


def _in_sentence(spans: list[tuple[int, int]], pos: int) -> tuple[int, int]:
    return next(((a, b) for a, b in spans if a <= pos < b), (pos, pos + 1))


def _ordered_before(folded: str, sentence: tuple[int, int], pos: int) -> bool:
    """An order in the same sentence shortly before `pos`, or a mention of the reply anywhere in the sentence."""
    window = folded[max(sentence[0], pos - _ORDER_REACH) : pos]
    return bool(COMMAND.search(window) or REPLY_REF.search(folded, sentence[0], sentence[1]))


def _canary(raw: str, folded: str, sentences: list[tuple[int, int]]) -> tuple[int, int] | None:
    """A token to echo (KIWI-5521, "the word APPROVED"), placed right after an order to write it."""
    for pattern in (TOKEN_NAMED, TOKEN_CODE):
        for match in pattern.finditer(raw):
            if pattern is TOKEN_CODE and _NOT_A_CANARY.search(raw[max(0, match.start() - 25) : match.start()]):
                continue
            if _ordered_before(folded, _in_sentence(sentences, match.start()), match.start()):
                return match.start(), match.end()
    return None


def _reply_order(folded: str, sentences: list[tuple[int, int]]) -> tuple[int, int] | None:
    """An order about what the reply must say: in the informal singular, or dictating content (a promise, "only…").
    "Напишите в ответе, когда будет замена?" is a question to the shop, not an order."""
    for ref in REPLY_REF.finditer(folded):
        a, b = _in_sentence(sentences, ref.start())
        sentence = folded[a:b]
        command = COMMAND.search(sentence)
        if "?" in sentence or not command:
            continue
        tail = sentence[command.end() :]
        if re.match(rf"\W*(?:\w+\W+)?{_QUESTION_WORD}", tail) and not re.match(r"\W*(?:that|что|що)\b", tail):
            continue
        if SINGULAR_COMMAND.search(sentence) or re.search(_DICTATED, sentence):
            return a, b
    return None


def _shapes(raw: str, folded: str) -> Finding | None:
    """The first injection shape in a review, or None. `folded` must be lexicon.fold(raw) (same length)."""
    sentences = _sentences(folded)

    def found(shape: str, text: str, *positions: int) -> Finding:
        return Finding(
            f"injection:{shape}:{text.strip()[:40]}", tuple(_in_sentence(sentences, p) for p in positions), positions
        )

    for shape, pattern in (
        ("ignore-rules", IGNORE_RULES),
        ("markup", MARKUP),
        ("new-identity", NEW_IDENTITY),
        ("system-prompt", SYSTEM_PROMPT),
    ):
        if _GATES[shape].search(folded) and (match := pattern.search(folded)):
            return found(shape, match.group(), match.end() - 1)
    if (label := ROLE_LABEL_RAW.search(raw)) and (
        COMMAND.search(folded, label.end()) or NEW_RULES.search(folded, label.end())
    ):
        return found("role-label", label.group(), label.end() - 1)
    if span := _canary(raw, folded, sentences):
        return found("canary", raw[span[0] : span[1]], span[0])
    if _GATES["reply"].search(folded) and (must := REPLY_MUST.search(folded)):
        return found("reply-rule", must.group(), must.end() - 1)
    if _GATES["reply"].search(folded) and (span := _reply_order(folded, sentences)):
        return Finding(f"injection:reply-order:{folded[span[0] : span[1]].strip()[:40]}", (span,), (span[0],))
    dictate = DICTATE_THAT.search(folded) if _DICTATE_GATE.search(folded) else None
    if dictate and (
        BOT_MENTION.search(folded)
        or (SINGULAR_COMMAND.match(folded, dictate.start()) and re.search(_DICTATED, folded[dictate.start() :]))
    ):
        return found("dictate", dictate.group(), dictate.end() - 1)
    new_rules = NEW_RULES.search(folded)
    if new_rules and re.match(r"\s*:", folded[new_rules.end() :]):
        return found("new-rules", new_rules.group(), new_rules.end() - 1)
    # weak shapes: an address to an AI, or "from now on you", with an order after it
    address = ADDRESS.search(folded) if AI_NOUN.search(folded) else None
    temporal = TEMPORAL_YOU.search(folded)
    if address:
        order = (
            COMMAND.search(folded, address.start())
            or ANY_COMMAND.search(folded, address.start())
            or temporal
            or new_rules
        )
        if order:
            return found("address", address.group(), address.end() - 1, order.end() - 1)
    if temporal and (order := COMMAND.search(folded, temporal.start()) or SERVES.search(folded, temporal.start())):
        return found("from-now-on", temporal.group(), temporal.end() - 1, order.end() - 1)
    return None


# -- requests addressed to the replier (issue 18) --------------------------------------------------------------
# An order need not be an imperative to a bot: "Note to whoever drafts the responses: please…", "Тому, кто будет
# отвечать на отзывы: нужно…", "Як і обіцяв ваш менеджер, підтвердіть…", "Lūdzu, ielieciet saiti…". What makes
# it an injection is who it is for and what it wants written: it addresses the person or program that writes
# the replies (in any person: "whoever answers", "отвечающему", "atbildētājam"), or it asks for the words of the
# reply itself (a link, phone, handle or code to include; money to promise; "what the manager promised" to be
# confirmed). A customer asking the shop for something ("when will I get my money back?") does neither.
_REPLY_OBJECT_EN = r"(?:to\s+)?(?:the |these |this |our |my |all |customer )?(?:reviews?|replies|responses|answers|comments|feedback|this)\b"
_REPLY_OBJECT_RU = r"(?:\s+на\s+(?:\w+\s+)?(?:отзыв|комментари|сообщени|это|эт)\w*|\s*[:—])"
_REPLY_OBJECT_UK = r"(?:\s+на\s+(?:\w+\s+)?(?:відгук|коментар|повідомлен|це|ц)\w*|\s*[:—])"
REPLIER = any_of(
    r"\b(?:whoever|anyone|anybody|someone|those|(?:the )?(?:person|one|people|team|staff|agent|employee|human|admin"
    r"|moderator|intern)s?)\s+(?:who |that |which )?(?:will |is going to |is |are |gets to )?(?:writ\w*|draft\w*|answer\w*"
    rf"|repl\w*|respond\w*|handl\w*|process\w*|moderat\w*|generat\w*|manag\w*)\s+{_REPLY_OBJECT_EN}",
    r"\b(?:note|message|memo|instructions?|reminder|request) (?:to|for) (?:the |our |your )?(?:whoever|anyone|person"
    r"|people|team|staff|support|repl\w*|respond\w*|writer|moderator|admin\w*|agent)",
    r"\b(?:to|for|attn:?|attention:?|dear) (?:the )?(?:replier|responder|reply writer|response writer|reviews? team"
    r"|smm\w*|social media (?:team|manager|person)|copywriter|moderator|support (?:agent|writer)"
    r"|person (?:replying|answering|responding))\b",
    r"\b(?:тому|тем|той|того|для того|для тех|к тому|всем),?\s+(?:кто|которы\w+)\s+(?:\w+\s+){0,2}?(?:(?:отвеча\w*"
    rf"|ответит|ответят){_REPLY_OBJECT_RU}|(?:пишет|пишут|напишет|составля\w*|генерир\w*|готов\w*)\s+(?:\w+\s+)?ответ\w*)",
    r"\bкто бы (?:ни|не) (?:\w+\s+)?(?:отвечал\w* на|писал\w* ответ)",
    r"\b(?:отвечающ\w* на (?:\w+\s+)?(?:отзыв|комментари)\w*|пишущ\w* ответ\w*|составляющ\w* ответ\w*)",
    r"\b(?:для|вниманию|к сведению|сообщение для|записка для)\s+(?:\w+\s+)?(?:администратор\w*|админ\w*|модератор\w*"
    r"|смм\w*|копирайтер\w*)\b",
    r"\b(?:тому|тим|тій|того|для того|для тих|усім|всім),?\s+(?:хто|які\w*|котр\w+)\s+(?:\w+\s+){0,2}?(?:(?:відповіда\w*"
    rf"|відповість|відповідатим\w*){_REPLY_OBJECT_UK}|(?:пише|пишуть|напише|писатим\w*|склада\w*|генер\w*|готу\w*)\s+"
    r"(?:\w+\s+)?відповід\w*)",
    r"\bхто б (?:не|ні) (?:\w+\s+)?(?:відповідав\w* на|писав\w* відповід)",
    r"\bвідповідаюч\w* на (?:\w+\s+)?(?:відгук|коментар)\w*",
    r"\b(?:для|до уваги)\s+(?:\w+\s+)?(?:адміністратор\w*|адмін\w*|модератор\w*|смм\w*)\b",
    r"\b(?:tam|tiem|tai|jebkuram),?\s+(?:kas|kurs|kura|kuri|kuras)\s+(?:\w+\s+){0,2}?(?:atbild\w*\s+uz\s+(?:\w+\s+)?"
    r"(?:atsauksm|komentar|so|sis|zinojum)\w*|(?:raksta|rakstis\w*|gatavo\w*|genere\w*)\s+(?:\w+\s+)?atbild\w*)",
    r"\b(?:atbildetaj\w*|atbilzu rakstitaj\w*|atbildes rakstitaj\w*)\b",
    # "Кто будет писать ответ —", "Хто відповідатиме на відгук:", "Kas lasa un atbild —": the sentence opens with it
    r"(?:^|[.!?]\s*)(?:кто|хто|kas|kurs)\s+(?:\w+\s+){0,3}?(?:(?:пиш\w*|писать|напиш\w*|составля\w*|писати|писатим\w*"
    r"|пише|raksta|rakstis\w*)\s+(?:\w+\s+)?(?:ответ|відповід|atbild)\w*|(?:отвеча\w*|ответит|відповіда\w*|відповість"
    r"|atbild\w*)(?:\s+(?:на|uz)\s+(?:\w+\s+)?(?:отзыв|відгук|atsauksm|коммент|комент|komentar)\w*|\s*[:—-]))",
)
# A request in any mood and politeness: imperatives (both numbers), infinitives after "please/нужно/прошу/lūdzu",
# modals ("the reply should", "следует", "vajag"). Past tenses are reports ("менеджер обещал"), filtered below.
REQUEST = any_of(
    r"\b(?:write|say|state|promise|confirm|include|add|insert|put|mention|tell|end|start|begin|sign|guarantee|offer"
    r"|give|refund|credit|transfer|send|post|share|list|ignore|disregard|reply|respond|answer|should|must|need to"
    r"|needs to|has to|have to|please|kindly|make sure|be sure|remember to|don'?t forget)\b",
    r"\b(?:напиш\w*|написать|пишите|скаж\w*|сказать|добав\w*|встав\w*|включ\w*|укаж\w*|указать|упомян\w*|законч\w*"
    r"|заверш\w*|обеща(?:й|йте|ть)|пообеща\w*|гарантир\w*|сообщ\w*|подтверд\w*|подтвержда\w*|перевед\w*|верн\w*"
    r"|зачисл\w*|отправ\w*|игнорир\w*|проигнорир\w*|дайте|предлож\w*|ответь\w*|ответить|нужно|надо|следует|необходимо"
    r"|должн\w*|прошу|просим|пусть|пожалуйста|будьте добры|будь добр)\b",
    r"\b(?:напиш\w*|написати|скаж\w*|сказати|дода\w*|встав\w*|включ\w*|вкаж\w*|вказати|згада\w*|закінч\w*|заверш\w*"
    r"|обіця(?:й|йте|ти)|пообіця\w*|гаранту\w*|повідом\w*|підтверд\w*|переказ\w*|перекаж\w*|поверн\w*|зарах\w*"
    r"|ігнору\w*|проігнору\w*|дайте|запропону\w*|відповід(?:ай|айте|ати)|треба|потрібно|слід|необхідно|повин\w*"
    r"|прошу|просимо|нехай|будь ласка|будьте ласкаві)\b",
    r"\b(?:uzrakst\w*|raksti|rakstiet|rakstit|ierakst\w*|pasak\w*|saki|sakiet|pateikt|pievieno\w*|ieliec\w*|ielikt"
    r"|ieklauj\w*|ieklaut|norad\w*|piemin\w*|beidz\w*|beigt|pabeidz\w*|apsol\w*|garant\w*|pazino\w*|apstiprin\w*|parskait\w*"
    r"|atmaks\w*|atgriez\w*|ignore\w*|dodiet|piedava\w*|atbildi|atbildiet|vajag|vajadzetu|nepieciesams|ludzu"
    r"|ja(?:raksta|uzraksta|piemin|pievieno|apstiprina|sola|apsola|norada|ieklauj|ieliek|atbild)\w*)\b",
)
_REPORTED = re.compile(r"(?:л|ла|ли|ло|лся|лась|лись|ed|ija|jam|jat)$|^(?:обещал|обіцяв|solija)")  # past: a report
# Verbs that produce text or a promise: asked for together with a link/phone/code or money, they dictate the reply.
WRITE_VERB = any_of(
    r"\b(?:write|say|state|promise|confirm|include|add|insert|put|mention|tell|end|sign|guarantee|post|share|type)\b",
    r"\b(?:напиш\w*|написать|скаж\w*|сказать|добав\w*|встав\w*|включ\w*|укаж\w*|указать|упомян\w*|законч\w*"
    r"|заверш\w*|обеща(?:й|йте|ть)|пообеща\w*|гарантир\w*|сообщ\w*|подтверд\w*)",
    r"\b(?:напиш\w*|написати|скаж\w*|сказати|дода\w*|встав\w*|включ\w*|вкаж\w*|вказати|згада\w*|закінч\w*|заверш\w*"
    r"|обіця(?:й|йте|ти)|пообіця\w*|гаранту\w*|повідом\w*|підтверд\w*)",
    r"\b(?:uzrakst\w*|raksti|rakstiet|rakstit|ierakst\w*|pasak\w*|saki|sakiet|pateikt|pievieno\w*|ieliec\w*|ielikt"
    r"|ieklauj\w*|ieklaut|norad\w*|piemin\w*|beidz\w*|beigt|pabeidz\w*|apsol\w*|garant\w*|pazino\w*|apstiprin\w*)",
)
_EN_VERBS = frozenset(
    "write say state promise confirm include add insert put mention tell end sign guarantee post share type".split()
)
# "tell readers to…", "say that…": the verbs that dictate content; the ones that put a thing into the reply
_INCLUDE_VERB = any_of(
    r"\b(?:include|add|insert|put|mention|end|post|share|type|paste|tell|list|give)\b",
    r"\b(?:добав\w*|встав\w*|включ\w*|укаж\w*|указать|упомян\w*|законч\w*|заверш\w*|дода\w*|вкаж\w*"
    r"|вказати|згада\w*|закінч\w*|pievieno\w*|ieliec\w*|ielikt|ieklauj\w*|ieklaut|norad\w*|piemin\w*"
    r"|beidz\w*|beigt|pabeidz\w*)",
)
# Someone else's promise to be confirmed: "as the manager promised", "що обіцяв менеджер", "ko menedžeris solīja".
_STAFF = (
    r"(?:manager|operator|agent|support|administrator|admin|staff|seller|consultant|employee|representative|rep"
    r"|менеджер\w*|оператор\w*|администратор\w*|консультант\w*|сотрудник\w*|продав\w*|поддержк\w*|адміністратор\w*"
    r"|працівник\w*|підтримк\w*|menedzer\w*|operator\w*|administrator\w*|konsultant\w*|darbiniek\w*"
    r"|pardevej\w*|atbalst\w*)"
)
_PROMISED = (
    r"(?:promised|agreed|guaranteed|offered|обещал\w*|пообещал\w*|гарантировал\w*|согласовал\w*|обіцяв\w*"
    r"|обіцяла|пообіцяв\w*|пообіцяла|гарантував\w*|погодив\w*|solija|apsolija|garanteja|apstiprinaja)"
)
OTHERS_PROMISE = any_of(
    rf"\b{_STAFF}\s+(?:\w+\s+){{0,2}}?{_PROMISED}\b",
    rf"\b{_PROMISED}\s+(?:\w+\s+){{0,2}}?{_STAFF}\b",
    rf"\b{_PROMISED}\s+(?:by\s+)?(?:the |your )?{_STAFF}",
)
CONFIRM = any_of(r"\bconfirm\b|\bподтверд(?:и|ите|ить)\b|\bпідтверд(?:и|іть|ити)\b|\bapstiprin(?:i|iet|at)\b")
# Substring gates (C-speed `in`): every REPLIER / OTHERS_PROMISE match contains one of these.
_REPLIER_STEMS = (
    "writ",
    "draft",
    "answer",
    "repl",
    "respon",
    "handl",
    "process",
    "moderat",
    "generat",
    "manag",
    "note",
    "memo",
    "instruction",
    "remind",
    "request",
    "smm",
    "copywrit",
    "отвеча",
    "ответ",
    "пиш",
    "составля",
    "генерир",
    "готов",
    "модерат",
    "админ",
    "смм",
    "копирайт",
    "оператор",
    "сотрудник",
    "поддержк",
    "відповід",
    "склада",
    "генер",
    "готу",
    "модер",
    "адмін",
    "atbild",
    "rakst",
    "gatavo",
    "genere",
)
_PROMISED_STEMS = (
    "promis",
    "agreed",
    "guarantee",
    "offered",
    "обещ",
    "гарантир",
    "согласов",
    "обіця",
    "гарантув",
    "погод",
    "solija",
    "garanteja",
    "apstiprinaja",
)
_FULL_SENTENCE = re.compile(r"(?:[^.!?\n]|[.!?](?=[\w/@]))+[.!?\n]*")  # "t.me/x" and "+371 2.." stay in one sentence


def _requests(folded: str, a: int, b: int, pattern: re.Pattern = REQUEST) -> list[re.Match]:
    return [m for m in pattern.finditer(folded, a, b) if not _REPORTED.search(m.group())]


# Tense and mood by ending, as str methods (they run once per verb): indicative forms are statements or threats
# ("напишу во все группы", "uzrakstīšu visos forumos"); an English verb is a request only where an imperative stands.
_REPORTED_ENDINGS = ("л", "ла", "ли", "ло", "лся", "лась", "лись", "ed", "ija", "jam", "jat")
_REPORTED_WORDS = ("обещал", "обіцяв", "solija")
_INDICATIVE_ENDINGS = (
    "у",
    "ю",
    "ем",
    "ешь",
    "ет",
    "ут",
    "ют",
    "ат",
    "ят",
    "им",
    "ит",
    "емо",
    "ете",
    "иш",
    "su",
    "sim",
    "siet",
    "s",
)
_SLOT_WORDS = (
    "please",
    "pls",
    "kindly",
    "and",
    "also",
    "just",
    "then",
    "now",
    "could you",
    "can you",
    "would you",
    "will you",
    "should",
    "must",
    "need to",
    "needs to",
    "has to",
    "have to",
    "is to",
    "you",
)


def _imperative_slot(folded: str, a: int, start: int) -> bool:
    """Where an English imperative can stand: the sentence start, after punctuation, or after "please", "and"…"""
    before = folded[max(a, start - 20) : start]
    stripped = before.rstrip()
    if not stripped:
        return start - len(before) == a  # the sentence starts here
    if stripped[-1] in ".!?:;,\n-—(":
        return "\n" not in before[len(stripped) :] or stripped[-1] == "\n"
    for word in _SLOT_WORDS:
        if (
            stripped.endswith(word)
            and before[len(stripped) :]
            and (len(stripped) == len(word) or not stripped[-len(word) - 1].isalnum())
        ):
            return True
    return False


def _request_verbs(folded: str, a: int, b: int) -> list[re.Match]:
    """Verbs of WRITE_VERB used as requests: not past, not indicative, and (English) where an imperative stands."""
    out = []
    for m in WRITE_VERB.finditer(folded, a, b):
        word = m.group()
        english = word in _EN_VERBS
        if (
            word.endswith(_REPORTED_ENDINGS)
            or word.startswith(_REPORTED_WORDS)
            or (not english and word.endswith(_INDICATIVE_ENDINGS) and not word.endswith("иу"))
        ):
            continue
        if english and not _imperative_slot(folded, a, m.start()):
            continue
        out.append(m)
    return out


def _bait(raw: str, folded: str, a: int, b: int, include: bool) -> str | None:
    """What a sentence asks to have written that a reply must never carry: a contact channel, a code, money."""
    channels = contact_channels(raw[a:b])
    if include:  # "write to @x on Telegram" asks to be contacted; "add @x to the reply" dictates it
        for kind in ("link", "handle", "phone_words"):  # an e-mail is how a customer asks to be written to
            if channels[kind]:
                return f"{kind}:{channels[kind][0]}"
        if re.search(r"(?<![\w+])\+?\d[\d \t().\-]{6,}\d(?!\w)", raw[a:b]):
            return "phone"
        if TOKEN_CODE.search(raw, a, b):
            return "code"
    money = money_promises(folded[a:b])
    if money:
        return "money:" + next(iter(money.values()))[0][:30]
    if perk := _PERK.search(folded, a, b):
        return "perk:" + perk.group()  # a discount, a free thing or a promo code dictated for the reply
    if _MONEY_OBJECT.search(folded, a, b) and re.search(
        r"\b(?:full|whole|all|полн\w*|вс[юяе]\w*|повн\w*|ус[юяі]\w*"
        r"|vis\w*|piln\w*)\b",
        folded[a:b],
    ):
        return "money"
    return None


def replier_request(raw: str, folded: str) -> Finding | None:
    """A request addressed to whoever writes the replies, in any person and politeness (see REPLIER above)."""
    spans = [(m.start(), m.end()) for m in _FULL_SENTENCE.finditer(folded)]

    def found(shape: str, a: int, b: int) -> Finding:
        return Finding(f"injection:{shape}:{folded[a:b].strip()[:40]}", ((a, b),), (a,))

    replier = REPLIER.search(folded) if any(stem in folded for stem in _REPLIER_STEMS) else None
    if replier and _requests(folded, replier.end(), len(folded)):
        a = next((s for s, e in spans if s <= replier.start() < e), replier.start())
        return found("replier", a, len(folded))
    all_verbs = _request_verbs(folded, 0, len(folded))  # one pass; most reviews ask for nothing and stop here
    if not all_verbs:
        return None
    confirm = bool(CONFIRM.search(folded))
    promised = any(stem in folded for stem in _PROMISED_STEMS)
    by_sentence: dict[int, list[re.Match]] = {}
    ends = [b for _, b in spans]
    for verb in all_verbs:  # each verb to its sentence: one bisect, not a scan per sentence
        by_sentence.setdefault(bisect.bisect_right(ends, verb.start()), []).append(verb)
    for index, (a, b) in enumerate(spans):
        verbs = by_sentence.get(index, [])
        if not verbs:
            continue
        sentence = folded[a:b]
        if promised and (OTHERS_PROMISE.search(sentence) or (confirm and OTHERS_PROMISE.search(folded))):
            return found("confirm-promise", a, b)
        tail = folded[verbs[0].end() : b]
        if re.match(rf"\W*(?:\w+\W+)?{_QUESTION_WORD}", tail) and not re.match(r"\W*(?:that|что|що|ka)\b", tail):
            continue  # "напишите, когда вернёте деньги": a question to the shop
        include = (
            bool(REPLY_REF.search(sentence))
            or any(_INCLUDE_VERB.match(folded, v.start()) for v in verbs)
            or bool(re.match(r"\W*(?:that|so that|что|чтобы|що|щоб|ka|lai)\b", tail))
        )
        if re.match(r"\s*(?:,\s*)?(?:me|мне|мені|man)\b", tail):
            include = False  # "напишите мне в телеграм @ivan": the customer asks to be contacted, not quoted
        bait = _bait(raw, folded, verbs[0].end(), b, include)  # what is asked for comes after the asking
        if (
            bait
            and bait.startswith("perk")
            and not (
                REPLY_REF.search(sentence) or _DICTATING.search(sentence) or re.match(r"\W*(?:that|что|що|ka)\b", tail)
            )
        ):
            continue  # "tell me about discounts" asks; "write that we get 100% off" dictates
        if bait and (
            REPLY_REF.search(sentence) or not bait.startswith(("money", "perk")) or _PROMISE_VERB.search(sentence)
        ):
            return found(f"dictated-{bait.split(':')[0]}", a, b)
    return None


_DICTATING = any_of(
    r"\b(?:promise|guarantee|обеща(?:й|йте|ть)|пообеща\w*|гарантир\w*|обіця(?:й|йте|ти)|пообіця\w*"
    r"|гаранту\w*|apsol\w*|garant\w*)"
)
_PERK = any_of(
    r"\d{1,3}\s*%|\b(?:discount\w*|free\b|promo ?code\w*|coupon\w*|voucher\w*|скидк\w*|бесплатн\w*|промокод\w*"
    r"|купон\w*|знижк\w*|безкоштовн\w*|atlaid\w*|bezmaksas|par brivu|promokod\w*|kupon\w*)"
)
_PROMISE_VERB = any_of(
    r"\b(?:promise|guarantee|state|say|write|tell)\b|\b(?:обеща(?:й|йте|ть)|пообеща\w*|гарантир\w*"
    r"|скаж\w*|сказать|напиш\w*|написать)|\b(?:обіця(?:й|йте|ти)|пообіця\w*|гаранту\w*|скаж\w*|сказати"
    r"|напиш\w*|написати)|\b(?:apsol\w*|garant\w*|pasak\w*|saki|sakiet|pateikt|uzrakst\w*)"
)


def find_injection(raw: str, folded: str) -> Finding | None:
    """The first injection in a review, or None. `raw` should be `assistant.text.normalize`d (rules.py does) and
    `folded` must be lexicon.fold(raw) (same length). Looks for the order shapes, then for requests addressed to
    the replier, then does both again on each inspection view (base64 decoded, reversed, letter-spaced, digits
    for letters, escapes): a finding there covers the whole review."""
    hit = _shapes(raw, folded) or replier_request(raw, folded)
    if hit:
        return hit
    for name, text in [(v.name, v.text) for v in inspection_views(raw)]:  # "reversed" is always among them
        view_folded = fold(text)
        view_raw = text if len(text) == len(view_folded) else view_folded
        hit = _shapes(view_raw, view_folded) or replier_request(view_raw, view_folded)
        if hit:
            return Finding(f"injection:{name}:{hit.reason.removeprefix('injection:')}", ((len(raw), len(raw)),))
    return None


def customer_text(raw: str, finding: Finding) -> str:
    """The customer's own words: the review without what orders a model around. Inside a flagged sentence only the
    run of words in the order's script goes (an English order pasted into a Russian sentence, often wrapped in
    markup), and so do later sentences in that script. Falls back to the whole text when too little is left."""
    first = min(p for p, _ in finding.spans)
    where = min(finding.positions, default=first)
    script = next((_script(m.group()) for m in _RUNS.finditer(raw) if m.start() <= where < m.end()), "lat")
    kept = []
    for a, b in _sentences(raw):
        flagged = any(a <= p < b for p in finding.positions)
        if flagged or a >= first:
            kept += [run for run in _RUNS.findall(raw[a:b]) if _script(run) != script]
        else:
            kept.append(raw[a:b])
    text = " ".join(kept).strip()
    return text if len(_LETTER.findall(text)) >= 8 else raw


_RUNS = re.compile(r"(?:[^\W\d_a-zāčēģīķļņšūž]+[\W\d_]*)+|(?:[a-zāčēģīķļņšūž]+[\W\d_]*)+", re.IGNORECASE)
_LETTER = re.compile(r"[^\W\d_]")
_CYRILLIC = re.compile(r"[а-яёіїєґ]", re.IGNORECASE)


def _script(text: str) -> str:
    letters = len(_LETTER.findall(text))
    cyr = len(_CYRILLIC.findall(text))
    return "cyr" if cyr * 2 >= letters and letters else "lat"


__all__ = ["Finding", "customer_text", "find_injection"]
