"""Cue words per language (ru, uk, lv, en): topics, praise/complaint, and "can this be fixed?".

Why a data module: the matcher (lexicon.py) and the decisions (rules.py) change rarely, the vocabulary often.
Syntax, per comma-separated cue: `*` is any word ending ("курьер*" → курьеру, курьерами), several words are a
phrase matched on the surface form ("вернуть деньги" ≠ "вернула деньги"), `~` is a gap of up to two words
("испорт* ~ праздник*"). Latvian diacritics are optional (folded on both sides).
"""

from __future__ import annotations

TOPICS = (
    "delivery",
    "courier",
    "staff",
    "quality",
    "defect",
    "price",
    "packaging",
    "communication",
    "refund",
    "repair",
    "food",
    "cleanliness",
)
SIGNALS = (
    "praise",
    "complaint",
    "fixable",
    "unfixable",
    "ruined",
    "loss",
    "safety",
    "intact",
    "anchor",
    "offtopic",
    "aside",
)
NEGATORS = frozenset(
    "не ни нет ні нема немає без not no without nothing never nav ne bez nebija neviens".split()
    + "никогда ніколи никак ніяк nekad nekādi neko nevienam".split()
    + "don't didn't doesn't isn't wasn't weren't won't haven't hasn't can't couldn't".split()
)

# topic → language → comma-separated cues
TOPIC_CUES: dict[str, dict[str, str]] = {
    "delivery": {
        "ru": "доставк*, доставил*, доставлен*, доставят, привез*, привоз*, посылк*, отправк*, отправлен*, трек*,  "
        "отслежив*, пункт* выдачи, пвз, постамат*, самовывоз*, сроки, не пришел, не пришла, не пришло",
        "uk": "доставк*, доставил*, доставлен*, привез*, посилк*, відправ*, трек*, відстеж*, нова пошта, нову пошту,  "
        "новою поштою, поштомат*, відділенн*, самовивіз*, не прийшл*, не прийшов",
        "lv": "piegād*, atved*, atvest*, paka, paku, pakas, pakā, paciņ*, sūtījum*, izsekoš*, pakomāt*, omniva*,  "
        "dpd, termiņ*, nepienāca, neatveda",
        "en": "deliver*, shipping, shipment*, shipped, parcel*, package, packages, arrive, arrival, tracking,  "
        "dispatch*, pickup point, locker, postage",
    },
    "courier": {
        "ru": "курьер*, доставщик*, водител*",
        "uk": "кур'єр*, курєр*, курьєр*, доставник*, водій, водія, водієм",
        "lv": "kurjer*, šofer*, autovadītāj*, piegādātāj*",
        "en": "courier*, driver*, delivery guy, delivery man, delivery person, postman, mailman",
    },
    "staff": {
        "ru": "персонал*, сотрудник*, официант*, продав*, менеджер*, администратор*, мастер, мастера, мастеру,  "
        "мастером, мастерица, консультант*, кассир*, бариста, повар*, парикмахер*, швея, портн*, приемщиц*,  "
        "хостес",
        "uk": "персонал*, співробітник*, працівник*, офіціант*, продав*, менеджер*, адміністратор*, майстер,  "
        "майстра, майстру, майстриня, консультант*, касир*, бариста, кухар*, перукар*, кравчин*",
        "lv": "personāl*, darbiniek*, viesmīl*, pārdevēj*, menedžer*, administrator*, meistar*, konsultant*,  "
        "kasier*, barist*, pavār*, frizier*, friziera, frizieri, šuvēj*, apkalpošan*, apkalpotāj*",
        "en": "staff, employee*, waiter*, waitress*, seller, salesperson, manager*, cashier*, barista*, chef,  "
        "hairdresser*, technician*, receptionist*, personnel, tailor",
    },
    "quality": {
        "ru": "качеств*, некачествен*, материал*, ткан*, шов, швы, пошив*, дешевк*, хлипк*",
        "uk": "якість, якості, якіс*, неякіс*, матеріал*, тканин*, шов, шви, пошив*, хлипк*",
        "lv": "kvalitāt*, materiāl*, audum*, šuv*, trausl*",
        "en": "quality, material*, fabric*, flimsy, durable, well made, stitching, build quality",
    },
    "defect": {
        "ru": "брак, брака, браком, бракован*, дефект*, слома*, сломан*, поломк*, разбит*, разбил*, трещин*,  "
        "треснул*, царапин*, поцарап*, вмятин*, порван*, порвал*, дырк*, протека*, протек*, неисправ*,  "
        "не работа*, не включа*, пятн*, отвалил*, отклеил*, швы разошл*",
        "uk": "брак, браку, бракован*, дефект*, злама*, поламан*, поламал*, поломк*, розбит*, розбил*, тріщин*,  "
        "трісну*, подряп*, вм'ятин*, порван*, порвал*, дірк*, протіка*, протік*, несправн*, не працю*,  "
        "не вмика*, плям*, відвали*, відклеї*, шви розійшл*",
        "lv": "brāķ*, defekt*, salūz*, salauz*, saplīs*, saplēs*, ieplīs*, bojāt*, bojāj*, skrāpēj*, ieskrāp*,  "
        "caurum*, nestrādā*, neieslēdz*, traips*, atlīmēj*",
        "en": "broken, break, cracked, crack, scratch*, dent, dented, torn, ripped, hole, holes, leak*, defect*,  "
        "faulty, damaged, damage, malfunction*, not working, stain*, fell off, came off, came apart",
    },
    "price": {
        "ru": "цен*, дорог*, дешев*, недорог*, стоимост*, переплат*, наценк*, за такие деньги, скидк*",
        "uk": "цін*, дорог*, дешев*, недорог*, вартіст*, переплат*, за такі гроші, знижк*",
        "lv": "cena, cenas, cenu, cenā, cenām, cenai, dārg*, lēt*, atlaid*, pārmaks*, par tādu naudu",
        "en": "price*, pricey, expensive, cheap, cheaper, overpriced, cost, costs, value for money, rip off, ripoff,  "
        "overcharg*, affordable, discount*",
    },
    "packaging": {
        "ru": "упаков*, коробк*, пакет*, пленк*, пупырк*",
        "uk": "упаков*, пакуван*, коробк*, пакет*, плівк*",
        "lv": "iepakoj*, iepakot*, iepak*, kārb*, kaste, kastē, kastes, kasti, maisiņ*",
        "en": "packaging, packed, packing, box, boxes, wrapping, wrapped, bubble wrap",
    },
    "communication": {
        "ru": "поддержк*, оператор*, не отвеча*, не дозвон*, дозвон*, звонил*, звонк*, звонок, позвонил*, перезвон*,  "
        "связат*, связь, связи, чат*, ответ*, сообщени*, уведомлен*, смс, письм*, игнор*, горяч* лини*",
        "uk": "підтримк*, оператор*, не відповіда*, не додзвон*, додзвон*, дзвонил*, дзвінк*, дзвінок, зателефон*,  "
        "телефонув*, передзвон*, зв'яз*, чат*, відповід*, повідомлен*, смс, ігнор*, гаряч* лін*",
        "lv": "atbalst*, neatbild*, zvanīj*, zvan*, piezvan*, sazin*, sazvanī*, čat*, tērzēšan*, atbild*, e-past*,  "
        "epast*, īsziņ*, sms, paziņoj*, ignorē*",
        "en": "support, customer service, customer support, respond*, response*, reply, replied, answer*, called,  "
        "calls, call, email*, e-mail*, chat, contact*, hotline, on hold, hung up, message*, notification*",
    },
    "refund": {
        "ru": "возврат*, верн* деньг*, вернут*, верните, возмещ*, компенсац*, деньги, денег, списал* дважды",
        "uk": "повернен*, поверн* гроші, поверн* кошти, поверніть, кошт*, гроші, грошей, компенсац*, відшкодув*,  "
        "списал* двічі",
        "lv": "atmaks*, naud* atpakaļ, atgriez* naud*, kompensāc*, nauda, naudu, naudas",
        "en": "refund*, money back, reimburs*, compensat*, chargeback, charged twice, double charged",
    },
    "repair": {
        "ru": "ремонт*, почин*, отремонт*, гаранти*, сервисн*, мастерск*, переделат*, переделк*, переделал*,  "
        "подшив*, ушив*, ушит*, химчист*",
        "uk": "ремонт*, полагод*, лагод*, відремонт*, гаранті*, сервісн*, майстерн*, переробит*, переробк*,  "
        "переробил*, підшив*, ушив*, хімчист*",
        "lv": "remont*, salabo*, izlabo*, labojum*, labošan*, garantij*, servis*, darbnīc*, pārtais*, pāršū*",
        "en": "repair*, fix, fixed, warranty, service center, workshop, redo, alteration*",
    },
    "food": {
        "ru": "еда, еду, еды, блюд*, вкус*, невкус*, кофе, десерт*, пицц*, суп, супа, салат*, порци*, меню, кухн*,  "
        "завтрак*, обед*, ужин*, торт*, мяс*, пересол*, выпечк*, круассан*, бургер*",
        "uk": "їжа, їжу, їжі, страв*, смак*, смачн*, несмачн*, кава, каву, кави, десерт*, піц*, суп, супу, салат*,  "
        "порці*, меню, кухн*, сніданк*, сніданок, обід, обіду, вечеря, вечері, вечерю, торт*, м'яс*, пересол*,  "
        "випічк*, бургер*",
        "lv": "ēdien*, garšīg*, negaršīg*, garša, garšu, kafij*, desert*, pica, picu, picas, zup*, salāt*, porcij*,  "
        "virtuv*, brokast*, pusdien*, vakariņ*, kūk*, tort*, gaļa, gaļu, gaļas, burger*",
        "en": "food, meal*, dish, dishes, taste*, tasty, delicious, coffee, dessert*, pizza*, soup*, salad*,  "
        "portion*, menu, kitchen, breakfast, lunch, dinner, cake*, meat, burger*, pastry, pastries,  "
        "croissant*",
    },
    "cleanliness": {
        "ru": "грязн*, антисанитар*, таракан*, волос*, пыль*, воня*, чистот*",
        "uk": "брудн*, антисанітар*, тарган*, волосин*, смердить, смердів, чистот*",
        "lv": "netīr*, tīrīb*, prusak*, smird*",
        "en": "dirty, filthy, hygien*, cockroach*, hair in, stink*, cleanliness",
    },
}

# signal → language → cues
SIGNAL_CUES: dict[str, dict[str, str]] = {
    "praise": {
        "ru": "не на что жаловаться, нет претензий, спасибо, благодар*, отличн*, хорош*, прекрасн*, замечательн*, супер, класс, классн*, круто, крут*,  "
        "шикарн*, великолепн*, восторг*, восхищ*, доволен, довольн*, рекоменд*, советую, понравил*, нравит*,  "
        "люблю, любим*, лучш*, быстро, быстр*, вовремя, оперативн*, вежлив*, приятн*, аккуратн*, вкусн*,  "
        "идеальн*, умничк*, молодц*, топ, бомба, на высоте, удобн*, профессионал*, норм, нормально, ок,  "
        "без проблем, без нареканий, внимательн*, пойдет",
        "uk": "нема на що скаржитись, немає на що скаржитися, без претензій, дякую, дякуєм*, вдячн*, відмінн*, чудов*, гарно, гарний, гарна, гарне, гарні, прекрасн*, добре,  "
        "супер, клас, класн*, круто, крут*, шикарн*, неймовірн*, задоволен*, рекоменд*, раджу, сподоба*,  "
        "подобає*, люблю, улюблен*, найкращ*, швидко, швидк*, вчасно, оперативн*, ввічлив*, приємн*, акуратн*,  "
        "смачн*, ідеальн*, молодц*, топ, на висоті, зручн*, професій*, норм, нормально, ок, без проблем,  "
        "уважн*",
        "lv": "normāli, normāls, normāla, nav par ko sūdzēties, nav pretenziju, paldies, pateicos, pateicamies, pateicīb*, pateicīg*, lielisk*, labs, laba, labi, labākais, labākā, izcil*, brīnišķīg*, super*, forš*,  "
        "patīk*, patika, iesak*, ieteik*, apmierināt*, ātri, ātrs, ātra, ātru, ātro, ātrā, ātrie, ātrais, ātrajā, ātrāk*, ātrum*, laicīg*, tieši laikā,  "
        "piegād* laikā, atveda laikā, ieradās laikā, pieklājīg*, laipn*, patīkam*, akurāt*, garšīg*, ideāl*,  "
        "malači, malacis, top, gards, garda, gardi, gardu, gardum*, mīlu, mīlam, jauki, jauks, jauka,  "
        "foršs, superīg*, apburoš*, ņamm*, ērt*, profesionāl*, kārtībā, priecīg*, gandarīt*, bez problēmām, ok, atsaucīg*",
        "en": "nothing to complain about, no complaints, thank*, great, excellent, amazing, awesome, perfect*, love, loved, lovely, good, nice, wonderful,  "
        "fantastic, superb, brilliant, recommend*, happy, pleased, satisfied, fast, quick*, on time, friendly,  "
        "polite, helpful, delicious, tasty, best, outstanding, professional*, smooth, easy, well done,  "
        "no problems, no issues, ok, fine, attentive, impressed",
    },
    "complaint": {
        "ru": "не дозвон*, дорого, дороговат*, завышен*, не стоит своих денег, отменил*, вылета*, завис*, глюч*,  "
        "не загружа*, ошибк*, заняла ~ недел*, шла ~ недел*, могло быть лучше, могло бы быть лучше, плох*,  "
        "ужас*, кошмар*, отвратител*, разочаров*, недовол*, хам*, груб*, невежлив*, опозд*, задерж*, долго,  "
        "жаль, проблем*, жалоб*, обман*, никогда больше, больше не, не очень, так себе, отстой, позор*,  "
        "безобраз*, невкусн*, испорч*, испортил*, потерял*, пропал*, ждал*, ждать, жду, не дождал*, хуже,  "
        "худш*, бардак, негатив*, претензи*, отказал*, отказыва*, игнор*, халатн*, непрофессионал*, надоел*, достал*, бесит, бесят, унизил*, унижен*, неуважител*, высмеял*",
        "uk": "не додзвон*, дорого, дорогувато, завищен*, не варт*, скасува*, вилітає, зависає, глючить, помилк*,  "
        "зайняла ~ тиж*, йшла ~ тиж*, могло бути краще, могло б бути краще, поган*, жах*, кошмар*, огидн*,  "
        "розчаров*, незадовол*, хам*, груб*, неввічлив*, запізн*, затрим*, довго, шкода, проблем*, скарг*,  "
        "обман*, ошук*, ніколи більше, більше не, не дуже, так собі, ганьб*, неподобств*, несмачн*, зіпсова*,  "
        "зіпсув*, загуб*, пропал*, чекал*, чекати, чекаю, не дочекал*, гірш*, бардак, негатив*, претензі*,  "
        "відмов*, ігнор*, непрофесій*, набридл*, дратує, дістали, принизил*, принизив*, зневаж*, неповаж*",
        "lv": "nevar sazvanīt, nevarēju sazvanīt, dārgi, par dārgu, par augstu, pārāk dārg*, cenas augstas, atcēl*,  "
        "uzkar*, kļūd*, aizņēma ~ nedēļ*, gāja ~ nedēļ*, varēja būt labāk, slikt*, šausmīg*, briesmīg*,  "
        "riebīg*, riebj*, negaršo, nepatika, kaitin*, šķebin*, vilšan*, vīlies, vīlusies, neapmierināt*, rupj*, nepieklājīg*, kavēj*, nokavē*, aizkavē*,  "
        "ilgi, žēl, problēm*, sūdzīb*, neiesak*, krāp*, nekad vairs, vairs ne*, nepatik*, nepatīk*, ne pārāk,  "
        "ne visai, kauns, negaršīg*, sabojā*, pazaudē*, pazud*, gaidīj*, gaidīt, gaidu, sliktāk*, negatīv*,  "
        "pretenzij*, atteic*, atteica, ignorē*, murgs, haoss, neprofesionāl*, apnicis, apnika, apnikusi, pazemoj*, necieņ*, izsmēj*",
        "en": "can't get through, couldn't reach, overpriced, too expensive, pricey, rip off, ripoff, not worth,  "
        "cancelled, canceled, crash*, freez*, bug, bugs, buggy, glitch*, error*, took ~ weeks, took ~ days,  "
        "took ~ hours, took ages, could be better, could have been better, bad, terrible, awful, horrible,  "
        "worst, worse, disappoint*, unhappy, dissatisfied, rude, rudely, impolite, late, delay*, slow,  "
        "problem*, issue*, complain*, scam*, fraud*, never again, poor, poorly, mediocre, so-so, disgust*,  "
        "spoiled, ruined, lost, waited, waiting, wait, refused, ignored, unprofessional, useless, waste,  "
        "unacceptable, annoyed, angry, upset, frustrat*, fed up, sick of, humiliat*, disrespect*, ridiculous, laughed at, mocked, worthless, garbage, junk, rubbish, crap, sad, a joke,  "
        "stopped working, doesn't work, does not work, didn't work, broke, returned, regret*",
    },
    "fixable": {
        "ru": "как обменять, хочу обменять, прошу обменять, нужно обменять, обменяйте, прошу заменить,  "
        "хочу заменить, нужно заменить, замените, как заменить, на замену, требую замену, прошу замену,  "
        "хочу замену, как поменять, хочу поменять, прошу поменять, поменяйте, нужно доделать, надо доделать,  "
        "доделайте, нужно переделать, надо переделать, придется переделывать, нужно перешить, надо перешить,  "
        "перешейте, шумит, гудит, хрипит, трещит, искрит, греется, перегрева*, выключается, отключается,  "
        "не держит заряд, мигает, тормозит, не оказалось, неровно, что с гарантией, по гарантии,  "
        "не соответству* описани*, не соответству* фото, другой цвет, другого цвета, другой размер, не подош*,  "
        "не подходит, деньги не вернул*, не приехал*, в комплекте ~ нет, нет в комплекте, не было в комплекте,  "
        "забыли положить, не положили, недовлож*, пришел без, пришла без, пришло без, пришли без,  "
        "где мои деньги, деньги списали, списали деньги, чужой заказ, чужую посылку, до сих пор не,  "
        "пришлите ~ мастера, сел* после стирки, полинял*, выцвел*, перестал* заряж*, перестал* включ*,  "
        "перестал* греть, швы ~ разошл*, шов ~ разошел*, разошл* по шв*, разошел* по шв*, верните деньги,  "
        "вернуть деньги, хочу вернуть, оформить возврат, как вернуть, обмен, переделайте, наполовину, потек*,  "
        "скатал*, катышк*, не отправил*, потерял* посылк*, списали дважды, дважды списали, брак, брака,  "
        "браком, бракован*, дефект*, слома*, сломан*, поломал*, разбит*, разбил*, треснул*, трещин*, царапин*,  "
        "поцарап*, вмятин*, порван*, порвал*, дырк*, протека*, неисправ*, не работа*, перестал* работать,  "
        "не включа*, не заряжа*, не тот, не та, не те, не того, не ту, перепутал*, прислали другой,  "
        "прислали другую, не хватает, недоложил*, некомплект*, не доделал*, недодела*, недоделк*,  "
        "не закончил*, не до конца, криво, отклеил*, отвалил*, не пришел, не пришла, не пришло, не привезли,  "
        "не доставили, так и не, списал* дважды, не вернули деньги, не подходит по размеру, размер* меньш*,  "
        "размер* больш*, размер* мал*, отклеил*, отвалил*, оторвал*",
        "uk": "як обміняти, хочу обміняти, прошу обміняти, обміняйте, прошу замінити, хочу замінити, треба замінити,  "
        "замініть, на заміну, прошу заміну, хочу заміну, треба доробити, доробіть, треба переробити,  "
        "потрібно переробити, треба перешити, перешийте, шумить, гуде, хрипить, хрипіти, тріщить, іскрить,  "
        "гріється, перегріва*, вимикається, не тримає заряд, блимає, гальмує, не виявилось, нерівно,  "
        "що з гарантією, по гарантії, брак, браку, бракован*, дефект*, злама*, поламал*, поламан*, розбит*,  "
        "розбил*, трісну*, тріщин*, подряп*, не відповіда* опис*, не відповіда* фото, інший колір,  "
        "іншого кольору, інший розмір, не підійш*, не підходить, гроші не повернул*, не приїхав, не приїхали,  "
        "немає в комплекті, не було в комплекті, забули покласти, не поклали, прийшло без, прийшла без,  "
        "прийшов без, прийшли без, де мої гроші, гроші списали, списали гроші, чуже замовлення, досі не,  "
        "надішліть ~ майстра, сіл* після прання, полиня*, вицвіл*, перестав* заряджа*, перестал* заряджа*,  "
        "перестав* вмика*, перестал* вмика*, шви ~ розійшл*, шов ~ розійшов*, розійшл* по шв*,  "
        "розійшов* по шв*, поверніть гроші, повернути гроші, хочу повернути, оформити повернення,  "
        "як повернути, обмін, переробіть, наполовину, потік*, скатал*, катишк*, не відправил*,  "
        "загубил* посилк*, загубил* замовлен*, вм'ятин*, порван*, порвал*, дірк*, протіка*, несправн*,  "
        "не працю*, перестав* працювати, не вмика*, не заряджа*, не той, не та, не те, не того, не ту,  "
        "переплута*, надіслали інш*, прислали інш*, не вистача*, бракує, некомплект*, не доробил*, недороб*,  "
        "не закінчил*, криво, відклеї*, відвали*, не прийшло, не прийшла, не прийшов, не привезли,  "
        "не доставили, так і не, списал* двічі, не повернули гроші, розмір* менш*, розмір* більш*,  "
        "розмір* мал*, відірвал*",
        "lv": "kā apmainīt, gribu apmainīt, lūdzu apmainīt, apmainiet, nomainiet, lūdzu nomainīt, gribu nomainīt,  "
        "jāpārtaisa, pārtaisiet, trokšņo, sprakšķ, izslēdzas, uzkarst, netur lādiņu, mirgo, bremzē,  "
        "nebija iekšā, pārbaudiet vēlreiz, nelīdzen*, garantijas remont*, pēc garantijas, brāķ*, defekt*,  "
        "salūz*, salauzt*, saplīs*, saplēst*, ieplīs*, bojāt*, skrāpēj*, ieskrāpē*, iespiedum*,  "
        "neatbilst aprakstam, neatbilst attēlam, cita krāsa, citā krāsā, cits izmērs, neder, izmērs neder,  "
        "nauda nav atgriezta, naudu neatgrieza, neatbrauca, nav atbraucis, atnāca bez, nebija komplektā,  "
        "aizmirsa ielikt, kur ir mana nauda, nauda noņemta, noņēma naudu, svešu pasūtījumu, joprojām nav,  "
        "atsūtiet meistaru, pabeidziet darbu, sarāvās, izbalēj*, nobalēj*, pārstāja darboties,  "
        "pārstāja lādēties, pārstāja strādāt, atmaksājiet, atgriezt naudu, gribu atgriezt, apmaiņ*, samain*,  "
        "pazaudēj* pak*, pazaudēj* sūtījum*, caurum*, nestrādā*, neieslēdz*, neuzlād*, nav tas, ne tas, ne to,  "
        "nepareiz*, sajauca, sajauk*, trūkst, pietrūka, trūka, nepilnīg*, nepabeigt*, nav pabeigt*,  "
        "nav izdarīt*, šķība, šķībs, šķībi, atlīmēj*, nepienāca, neatveda, nepiegādāja, nav saņēm*,  "
        "nav piegādāt*, divreiz noņēm*, neatgrieza naudu, izmēr* mazāk*, izmēr* lielāk*, netika piegādāt*,  "
        "netika atvest*, atdalīj*, atlīmējies, atlīmējās",
        "en": "how do i exchange, want to exchange, exchange it, need an exchange, need a replacement,  "
        "want a replacement, get a replacement, send a replacement, replacement please, broke, broke down,  "
        "snapped, rattles, overheats, overheating, shuts off, turns off by itself, won't hold a charge,  "
        "flickers, wasn't in the box, was not in the box, under warranty, warranty claim, fix it, broken,  "
        "cracked, scratched, dented, torn, ripped, leaking, leaks, defective, defect, faulty, damaged,  "
        "not as described, not as pictured, doesn't match the description, different colour, different color,  "
        "doesn't fit, didn't fit, too small, too big, too tight, no refund, still no refund,  "
        "haven't received my refund, didn't show up, never showed up, no-show, came without, arrived without,  "
        "wasn't included, was not included, forgot to include, where is my money, took my money,  "
        "someone else's, not my order, still haven't, still not, nowhere to be seen, still waiting,  "
        "finish the job, send someone, come back and fix, redo it, shrank, shrunk, faded, stopped charging,  "
        "stopped turning on, won't start, refund me, want a refund, want my money back, money back, return it,  "
        "replace it, didn't finish, did not finish, never finished, double charge, charged me twice,  "
        "lost my parcel, lost my package, lost my order, lost the parcel, lost the package, malfunction*,  "
        "doesn't work, does not work, didn't work, not working, stopped working, won't turn on, won't charge,  "
        "wrong item, wrong size, wrong colour, wrong color, wrong order, wrong one, sent the wrong, missing,  "
        "incomplete, not finished, unfinished, half done, fell off, came off, came apart, never arrived,  "
        "didn't arrive, did not arrive, hasn't arrived, not delivered, never delivered, charged twice,  "
        "double charged, peeling, crooked, uneven, hole in, still waiting for my refund, size smaller,  "
        "size bigger, size larger, sizes smaller, sizes bigger, sizes too, size too, detached, came loose,  "
        "fix my, fixes my, repair my, repairs my",
    },
    "unfixable": {
        "ru": "хам*, нахам*, груб*, нагруб*, невежлив*, опозд*, с опозданием, задерж*, долго, ждал*, медленн*,  "
        "неприветлив*, наор*, орал*, бросил* трубку, кинул* трубку, не поздорова*, не извинил*, бросил*,  "
        "кинул*, не позвонил*, не предупредил*, шумн*, очеред*, грязн*, не отвеча*, игнор*",
        "uk": "хам*, нахам*, груб*, нагруб*, неввічлив*, запізн*, із запізненням, затрим*, довго, чекал*, повільн*,  "
        "неприязн*, накрич*, кричав*, поклал* слухавку, кинул* слухавку, не привіта*, не попереди*,  "
        "не подзвонив*, кинув*, жбурну*, шумн*, черг*, брудн*, не відповіда*, ігнор*",
        "lv": "rupj*, nepieklājīg*, kavēj*, nokavēj*, aizkavēj*, ar nokavēšanos, ilgi, gaidīj*, lēn*, nelaipn*,  "
        "kliedz*, nesveicinā*, nometa klausuli, nolika klausuli, nepiezvanīj*, nebrīdināj*, nometa, nosvieda,  "
        "trokšņ*, rindā, netīr*, neatbild*, ignorē*",
        "en": "rude, rudely, impolite, unfriendly, late, delayed, delay, waited, slow, took forever, yelled,  "
        "shouted, hung up, didn't call, no call, threw, thrown, noisy, queue, long line, dirty, attitude,  "
        "ignored, unprofessional, no answer, never answered",
    },
    # the occasion or the thing is gone for good: a fix would come too late
    "ruined": {
        "ru": "испорт* ~ праздник*, испорчен* ~ праздник*, праздник* ~ испорч*, испорт* ~ вечер*, вечер* ~ испорч*,  "
        "испорт* ~ настроени*, сорвал* ~ праздник*, испорт* ~ вещ*, испорт* ~ плать*, испорт* ~ костюм*,  "
        "испорт* ~ куртк*, безнадежно испорч*, не отстира*, уже поздно, уже не нужн*, уже не надо,  "
        "не успел* к, не успел* на, так и не успел*, опоздал* на самолет,  "
        "опоздал* на поезд",
        "uk": "зіпсува* ~ свят*, зіпсован* ~ свят*, свят* ~ зіпсова*, зіпсува* ~ вечір, вечір ~ зіпсова*,  "
        "зіпсува* ~ настр*, зіпсува* ~ річ, зіпсува* ~ сукн*, зіпсува* ~ костюм*, не відпрат*, не відіпра*,  "
        "вже пізно, вже не потрібн*, уже не потрібн*, вже не треба, уже не треба, запізнил* на потяг,  "
        "запізнил* на літак, не встиг* до, не встиг* на, так і не встиг*",
        "lv": "sabojāj* ~ svētk*, sabojāt* ~ svētk*, svētk* ~ sabojāt*, sabojāj* ~ vakar*, vakar* ~ sabojāt*,  "
        "sabojāj* ~ kleit*, sabojāj* ~ uzvalk*, neizmazgā*, par vēlu, vairs nav vajadzīg*, vairs nevajag,  "
        "nepaspēj* uz, nepaspēj* līdz, nokavēj* vilcien*,  "
        "nokavēj* lidmašīn*",
        "en": "ruined, ruin, too late, missed the, missed my, no longer needed, spoiled the, spoilt the,  "
        "didn't make it in time, did not make it in time, not in time for, after the party, after the wedding,  "
        "after the event, after the ceremony",
    },
    "loss": {
        "ru": "сорвал*, пропал* ~ вечер*, пришлось выбросить, пришлось выкинуть, выбросил*, сырое, сырым, сырая,  "
        "недожарен*, черств*, холодный, холодная, холодное, холодные, холодным, холодной, холодную, холодно,  "
        "холодновато, остыв*, невкусн*, пересолен*, подгорел*, сыр* мяс*, протухш*, тухл*, день рождени*,  "
        "свадьб*, праздник*, испорчен*",
        "uk": "зірвал*, довелося викинути, викинул*, сире, сирим, недосмажен*, черств*, холодний, холодна, холодне,  "
        "холодні, холодним, холодною, холодну, холодно, охолол*, несмачн*, пересолен*, пригорі*, сир* м'яс*,  "
        "тухл*, день народження, весілл*, свят*, зіпсован*",
        "lv": "izjauc*, auksts, auksta, aukstu, aukstas, auksti, aukstā, atdzis*, negaršīg*, pārsālīt*, piedeg*,  "
        "nācās izmest, izmetu, izmetām, sauss, sausa, sausu, jēl*, sapuv*, dzimšanas dien*, kāzas, kāzām,  "
        "svētk*, sabojāts, sabojāta, sabojāti",
        "en": "spoiled, spoilt, cold, bland, tasteless, had to throw, threw it away, thrown away, binned it, stale,  "
        "dry, overcooked, undercooked, burnt, raw, went off, rotten, birthday, wedding, anniversary, party,  "
        "soggy",
    },
    "safety": {
        "ru": "отравил*, отравлен*, больниц*, скор* помощ*, аллерги*, ожог*, ударил* током, загорел*, задымил*,  "
        "взорвал*, травм*, стекл* в",
        "uk": "отруї*, отруєн*, лікарн*, швидк* допомог*, алергі*, опік*, вдарил* струмом, загорів*, задимі*,  "
        "вибухну*, травм*, скл* в",
        "lv": "saindēj*, saindēšan*, slimnīc*, ātr* palīdzīb*, alerģij*, apdegum*, strāvas trieciens, aizdeg*,  "
        "trauma*, stikl* ~ ēdien*",
        "en": "poisoning, poisoned, hospital, allergic, allergy, electric shock, caught fire, on fire, exploded,  "
        "injured, injury, glass in",
    },
    # "the box was torn but the item is fine": the damage needs no fix
    "intact": {
        "ru": "товар целый, товар цел, сам товар целый, товар в порядке, в целости, не пострадал*, цел и невредим*",
        "uk": "товар цілий, сам товар цілий, товар в порядку, у цілості, не постраждал*, не постраждав",
        "lv": "prece vesela, prece ir vesela, prece nav cietusi, saturs vesels, viss vesels",
        "en": "item was fine, item is fine, item was intact, contents were fine, undamaged, nothing was damaged",
    },
    # words showing the text is about buying or a service (so it is not off-topic)
    "anchor": {
        "ru": "заказ*, товар*, покупк*, купил*, купила, магазин*, кафе, ресторан*, сервис*, услуг*, обслуживан*,  "
        "ателье, салон*, мастерск*, продавц*, приложени*, сайт*, вещ*, изделие, платье, брюки, куртк*",
        "uk": "замовлен*, замовил*, товар*, покупк*, купил*, купив, магазин*, кафе, ресторан*, сервіс*, послуг*,  "
        "обслуговуван*, ательє, салон*, майстерн*, застосунк*, сайт*, річ, речі, виріб, сукн*, куртк*",
        "lv": "pasūtīj*, pasūtīt*, prece, preci, preces, pirkum*, nopirk*, veikal*, kafejnīc*, restorān*, serviss,  "
        "pakalpojum*, salons, salonā, darbnīc*, lietotn*, vietn*, kleit*, bikses, jak*",
        "en": "order*, ordered, product*, item*, purchase*, bought, shop, store, cafe, restaurant, service, place,  "
        "app, website, dress, jacket, trousers",
    },
    "offtopic": {
        "ru": "отключ* свет*, график* отключ*, политик*, выборы, выборах, выборов, президент*, путин*, зеленск*,  "
        "депутат*, погода, погоду, погоды, погоде, футбол*, хоккей*, кто выиграл, гороскоп*, анекдот*,  "
        "домашн* задани*, ищу работу, ваканси*, знакомств*, религи*, бог, бога, богу, проверка связи, тест",
        "uk": "політик*, відключ* світл*, графік* відключ*, вибори, виборах, виборів, президент*, депутат*, погода,  "
        "погоду, погоди, погоді, футбол*, хокей*, хто виграв, гороскоп*, анекдот*, домашн* завдан*,  "
        "шукаю роботу, ваканс*, знайомств*, релігі*, бог, бога, богу, тест",
        "lv": "politik*, elektrības atslēg*, vēlēšan*, prezident*, saeim*, deputāt*, laikapstākļ*, futbol*, hokej*,  "
        "kurš uzvarēja, horoskop*, anekdot*, mājasdarb*, meklēju darbu, vakanc*, iepazīšan*, reliģij*, dievs,  "
        "tests",
        "en": "politic*, power outage, power cut, election*, president*, weather, football, soccer, hockey, who won,  "
        "horoscope*, homework, looking for a job, vacanc*, dating, religion, god, test, testing",
    },
    # a question to other readers, not to the business ("anyone selling a spare ticket?")
    "aside": {
        "ru": "кто нибудь, кто знает, подскажите кто, кто подскажет, люди добрые, кто еще, кто ещё идет",
        "uk": "хто небудь, хтось, хто знає, хто підкаже, хто ще, хто йде",
        "lv": "vai kāds, kāds zina, kāds var ieteikt, kas vēl",
        "en": "anyone, anybody, does anyone, someone know, who else",
    },
}

POSITIVE_EMOJI = frozenset("😍🥰😊🙂😀😃😄😁👍👌❤💖💕🔥⭐🌟🙏💯✨😋👏🤩☺💪🎉")
NEGATIVE_EMOJI = frozenset("😡🤬👎😤💩😠😞😢😭🤮😒🙁☹😕😩😫🤢😱")
