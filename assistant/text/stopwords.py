"""Per-language stop lists for specificity: function words plus the words every reply says anyway.

Two layers. `FUNCTION_WORDS` are pronouns, prepositions, particles and auxiliaries. `GENERIC_WORDS` are
content words that carry no evidence of reading the review ("thank", "review", "order", "shop") — a
reply that repeats them is not specific. Lists are hand-made and short on purpose (no extra dependency);
a word is dropped when its surface form OR its simplemma lemma is listed.
"""

from __future__ import annotations

FUNCTION_WORDS: dict[str, frozenset[str]] = {
    "ru": frozenset(
        """
        а без более больше будет будто бы был была были было быть в вам вас ваш ваша ваше вашего вашей возле около
        вашему ваши вашим вашу ведь весь во вот впрочем все всегда всего всё всех всю вся вы где да даже
        для до другой его ее её ей ему если есть еще ещё ж же за зачем здесь и из или им иногда их к
        каждый как какая какой когда конечно кто куда ли лишь между меня мне много может можно мой моя
        мы на над надо наконец нам нас наш наша наше нашего нашей нашему наши не него нее неё нельзя нет
        ни нибудь никогда ним них ничего но ну о об один он она они оно опять от очень перед по под
        после потом потому почти при про раз разве с сам сама сами свое своё свой своей своего свою
        себе себя сейчас со совсем так также такой там тебя тем теперь то тогда того тоже только том
        тот три тут ты у уж уже хоть чего чем через что чтоб чтобы чуть эти этим этих это этого этой
        этом этот эту я который которая которое которые которого которой просто весьма вообще
        """.split()
    ),
    "uk": frozenset(
        """
        а або адже б без би біля був була були було бути буде в вам вас ваш ваша ваше вашого вашої ваші
        вже ви від він вона вони воно всі все всю вся де для до досі є ж же з за завжди зараз зі знову
        і із її їй їм їх й коли котрий куди лише між мене мені ми мій мною моя моє мої на над навіть
        нам нас наш наша наше нашого нашої наші не ніж ні ніколи нічого но ну о оце ось по під після
        потім при про раз себе собі так також там те тебе теж ти тим тільки тобі то тобто тому ту тут
        у усе усі хоча хто це цей ці цим цих цього цієї цьому чи через що щоб щось як який яка яке які
        якщо просто дуже свій своя своє свої своїм свого своєї
        """.split()
    ),
    "lv": frozenset(
        """
        ap ar arī bet bez bija bijām bijāt bijis būs būsim būt caur es esam esat esmu gan ik ir ja jā
        jau jo jums jūs jūsu ka kā kad kaut kāds kāda kādu kas kur kura kuri kuru kurš lai līdz man
        mani mans mana manu mēs mums mūs mūsu nav ne nē no nu pa par pēc pie pret priekš sev sevi savs
        sava savu savā starp šī šie šis šīs tad tagad taču tā tas tās te tev tevi tie tik tikai tomēr
        tur uz vai var vēl viņa viņai viņam viņas viņi viņš virs visi viss visu vien vienmēr zem aiz
        ļoti nekad arīdzan tāpēc tādēļ kamēr
        """.split()
    ),
    "en": frozenset(
        """
        a about above after again against all am an and any are as at be because been before being
        below between both but by can could did do does doing down during each few for from further
        had has have having he her here hers herself him himself his how i if in into is it its itself
        just me more most my myself no nor not now of off on once only or other our ours ourselves out
        over own same she should so some such than that the their theirs them themselves then there
        these they this those through to too under until up very was we were what when where which
        while who whom why will with would you your yours yourself yourselves also ever still
        s t don didn doesn isn wasn weren won wouldn couldn shouldn ll ve re d m
        """.split()
    ),
}

GENERIC_WORDS: dict[str, frozenset[str]] = {
    "ru": frozenset(
        "спасибо благодарить благодарность отзыв заказ магазин товар хороший плохой клиент компания "
        "день вопрос сожаление извинение извинить команда поддержка".split()
    ),
    "uk": frozenset(
        "дякую дякувати подяка відгук замовлення магазин товар добрий гарний поганий клієнт компанія "
        "день питання вибачення вибачити команда підтримка".split()
    ),
    "lv": frozenset(
        "paldies pateikties atsauksme pasūtījums veikals prece labs slikts klients uzņēmums diena "
        "jautājums atvainoties atvainošanās komanda atbalsts".split()
    ),
    "en": frozenset(
        "thank thanks review feedback order shop store product item good great bad customer company "
        "day question sorry apologize apology team support really get got".split()
    ),
}


def stop_set(language: str) -> frozenset[str]:
    """Function + generic words for `language`; for 'und' or unknown, the union of all served languages."""
    if language in FUNCTION_WORDS:
        return FUNCTION_WORDS[language] | GENERIC_WORDS[language]
    return frozenset().union(*FUNCTION_WORDS.values(), *GENERIC_WORDS.values())
