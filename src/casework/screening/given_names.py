"""Given names and their short forms: "Bill" is William, "Sasha" is Alexander.

English names and nicknames come from the ``nicknames`` package's hand-curated table
(Apache-2.0, https://github.com/carltonnorthern/nicknames), read once. Short forms in
other languages that lists and records meet often (Russian, Spanish, Italian, German,
Dutch, Polish, Portuguese) and common given names outside English are casework's own
tables below, written from common knowledge of those naming customs.

Only a name and its own short forms are equivalent, never two names that share a
nickname ("Al" is short for Albert and for Alfred, which are not one name). Forms of two
letters are left out: "Al", "Ed" and "Di" are also particles and initials of other names.
"""

from __future__ import annotations

import csv
from collections import defaultdict
from functools import cache
from importlib import resources

from rapidfuzz.distance import OSA

MIN_LENGTH = 3
SPELLING_FROM = 6  # full names this long also meet in another spelling ("Catherine")

# short form = the full names it stands for
_SHORT_FORMS = """
sasha=alexander,aleksandr,alexandr,alexandra,aleksandra shura=alexander,aleksandr
misha=mikhail,michael volodya=vladimir vova=vladimir dima=dmitry,dmitri,dmitriy
kolya=nikolai,nikolay vanya=ivan petya=pyotr,petr pasha=pavel lyosha=alexei,aleksei,alexey
alyosha=alexei,aleksei,alexey seryozha=sergei,sergey zhenya=yevgeny,evgeny,evgeniy
yura=yuri,yury,yuriy tolya=anatoly,anatoliy slava=vyacheslav,stanislav,vladislav,yaroslav
grisha=grigory,grigori borya=boris vitya=viktor,vitaly,vitali kostya=konstantin
andryusha=andrei,andrey tanya=tatiana,tatyana natasha=natalia,natalya masha=maria,mariya
katya=ekaterina,yekaterina olya=olga lena=elena,yelena sveta=svetlana nadya=nadezhda
lyuda=lyudmila galya=galina valya=valentina,valentin dasha=daria,darya
nastya=anastasia,anastasiya ira=irina gosha=georgy,georgiy zhora=georgy,georgiy
lyova=lev,leonid styopa=stepan fedya=fyodor,fedor roma=roman tolik=anatoly
pepe=jose paco=francisco pancho=francisco curro=francisco nacho=ignacio chucho=jesus
lupe=guadalupe memo=guillermo beto=alberto,roberto,humberto quique=enrique lalo=eduardo
tono=antonio manolo=manuel fito=adolfo,rodolfo chelo=consuelo concha=concepcion
charo=rosario pili=pilar rafa=rafael chema=jose,josemaria
beppe=giuseppe peppe=giuseppe pino=giuseppe gigi=luigi toto=salvatore sandro=alessandro
nino=antonino,giovanni,giovannino tonio=antonio gianni=giovanni
hans=johannes,johann sepp=josef jupp=josef fritz=friedrich heinz=heinrich willi=wilhelm
uli=ulrich lutz=ludwig jan=johannes piet=pieter wim=willem henk=hendrik kees=cornelis
klaas=nicolaas kasia=katarzyna gosia=malgorzata basia=barbara tomek=tomasz jurek=jerzy
staszek=stanislaw wladek=wladyslaw kuba=jakub chico=francisco tonho=antonio
"""

# Given names common outside English, for telling "Ali Hassan" from "Hassan Ali".
_GIVEN = """
mohammed muhammad mohamed mohammad muhammed ahmed ahmad ali hassan hasan hussein husain
husayn hossein omar umar khalid khaled abdullah abdallah ibrahim yusuf youssef yousef
mustafa mostafa mahmoud mahmud karim said saeed saleh salih salim salem tariq hamza
bilal jamal kamal nasser nasir samir faisal fahad majid walid waleed rashid adel adil
amin amir anwar ayman bashar fadi fouad ghassan hamid hani haitham haytham hisham imad
issa jalal jamil mahdi malik mansour mansur marwan mazen mohsen munir nabil nader naim
osama usama qasim rami riad sabri sadiq salah sami sharif suleiman sulaiman taha talal
yasser yasir yahya younis yunus zaid zayed ziad idris ismail musa isa harun yakub aziz
aisha fatima khadija mariam maryam zainab amina layla leila noor nour salma sara yasmin
huda hana rania reza mehdi akbar javad jafar morteza ehsan babak dariush kourosh
mehmet ahmet huseyin emre burak murat osman orhan selim kemal
aleksandr alexander sergei sergey vladimir dmitry dmitri andrei andrey alexei aleksei
nikolai nikolay ivan mikhail yuri igor oleg viktor pavel boris anatoly yevgeny evgeny
vitaly gennady konstantin maxim maksim roman artem denis anton kirill stanislav
vyacheslav valery grigory leonid pyotr petr fyodor olga elena yelena natalia natalya
tatiana tatyana irina svetlana anna maria ekaterina yulia
jose juan carlos luis miguel jorge pedro manuel antonio francisco javier diego
fernando ricardo eduardo roberto alberto rafael sergio pablo andres alejandro
jean pierre michel philippe alain jacques bernard andre louis francois nicolas
hans klaus wolfgang jurgen juergen dieter helmut karl heinz gunter stefan
giuseppe giovanni marco luca andrea francesco mario paolo werner horst uwe
abbas farid khalil yasin yassin anas nabil hakim habib latif rahim karim
morgan owen elton dylan ryan kyle tyler logan mason connor
"""


@cache
def _table() -> tuple[dict[str, frozenset[str]], frozenset[str], dict[str, frozenset[str]]]:
    linked: dict[str, set[str]] = defaultdict(set)
    full: dict[str, set[str]] = defaultdict(set)
    given: set[str] = set(_GIVEN.split())
    text = resources.files("nicknames").joinpath("names.csv").read_text(encoding="utf-8")
    for row in csv.DictReader(text.splitlines()):
        name, nickname = row["name1"].strip().lower(), row["name2"].strip().lower()
        if row["relationship"] != "has_nickname" or not name.isalpha():
            continue
        given.add(name)
        if len(nickname) >= MIN_LENGTH and nickname.isalpha():
            given.add(nickname)
        if len(name) >= MIN_LENGTH and len(nickname) >= MIN_LENGTH and nickname.isalpha():
            linked[name].add(nickname)
            linked[nickname].add(name)
            full[nickname].add(name)
    for item in _SHORT_FORMS.split():
        short, _, names = item.partition("=")
        for name in names.split(","):
            linked[short].add(name)
            linked[name].add(short)
            full[short].add(name)
            given.add(name)
    return (
        {k: frozenset(v) for k, v in linked.items()},
        frozenset(given),
        {k: frozenset(v) for k, v in full.items()},
    )


def full_forms(token: str) -> frozenset[str]:
    """The names this one is a short form of ("bill": william, ...)."""
    return _table()[2].get(token, frozenset())


def short_forms(token: str) -> frozenset[str]:
    """The names this one is a short form of, and its own short forms."""
    return _table()[0].get(token, frozenset())


def has_short_forms(token: str) -> bool:
    """Whether the token is a given name or a short form the table knows."""
    return token in _table()[0]


def same_given_name(a: str, b: str) -> bool:
    """Whether one is a short form of the other, allowing the full name another spelling
    ("Kate" / "Catherine", where the table has Katherine)."""
    forms = short_forms(a)
    if b in forms:
        return True
    if len(b) >= SPELLING_FROM and len(a) < SPELLING_FROM:
        return any(
            len(f) >= SPELLING_FROM and OSA.distance(f, b, score_cutoff=1) <= 1 for f in forms
        )
    if len(a) >= SPELLING_FROM and len(b) < SPELLING_FROM:
        return same_given_name(b, a)
    return False


def is_given_name(token: str) -> bool:
    """Whether the token is a common given name in its full form."""
    return token in _table()[1]
