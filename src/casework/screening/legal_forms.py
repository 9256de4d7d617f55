"""Organisation legal forms: whether a name carries one, and which one it is.

Importers use ``has_legal_form`` to tell a Company from another Organization when the
publisher does not say. Forms that are also ordinary words or name parts (AS, SC, SL,
SPA) count only when written with dots, as in "S.P.A.".

The matcher sets legal forms aside (``strip_legal_forms``): they say what kind of body
an organisation is, not which one, so "Commerzbank AG" and "Commerzbank
Aktiengesellschaft" meet. Two different forms of one name ("Siemens AG" / "Siemens
GmbH") are two different legal persons, unless one form is the other's translation
(a Russian OOO is an LLC) or only says "company" (``forms_agree``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from rapidfuzz.distance import OSA

from casework.screening.spelling import DOUBLED, fold, memo

_WORDS = frozenset(
    (
        "LTD LTDA LIMITED LLC LLP LP PLC INC INCORPORATED CORP CORPORATION CO COMPANY "
        "COMPANIES COMPAGNIE CIA SA SAS SARL SRL SAC SAPI CV RL LDA EIRL GMBH AG "
        "AKTIENGESELLSCHAFT KG OHG BV NV AB OY ASA APS KFT DOO JSC OJSC CJSC PJSC PAO OAO ZAO "
        "AO OOO TOO JV ANSTALT FZE FZCO FZC DMCC PTE PTY PVT BHD TBK ANONIMA ANONYME "
        "ООО ОАО ЗАО ПАО АО"  # noqa: RUF001
    ).split()
)
_DOTTED_ONLY = frozenset({"AS", "SC", "SL", "SPA"})
_PHRASES = re.compile(
    r"(?<!\w)(?:limited liability|joint[- ]stock|sdn\.? bhd|"
    r"общество с ограниченной ответственностью|акционерное общество)(?!\w)",  # noqa: RUF001
    re.IGNORECASE,
)
_TOKENS = re.compile(r"[\s,()/\"'«»]+")


def has_legal_form(texts: Iterable[str]) -> bool:
    """True when any of the names (or stated entity types) carries a legal form."""
    return any(_in(text) for text in texts)


def _in(text: str) -> bool:
    if _PHRASES.search(text):
        return True
    for token in _TOKENS.split(text.upper()):
        written = token.strip(".;:&-")
        bare = written.replace(".", "")
        if not bare.isalpha():
            continue
        if bare in _WORDS or (bare in _DOTTED_ONLY and "." in written):
            return True
    return False


# Organisation legal forms in normalised token spelling, each mapped to a short code.
# Multi-word forms are matched as whole token sequences.
_LEGAL_FORM_TEXT = """
llc=llc; l l c=llc; limited liability company=llc; ltd liability co=llc; fz llc=llc
fzllc=llc; ltd=ltd; limited=ltd; co ltd=ltd; company limited=ltd; private limited=ltd
pvt ltd=ltd; pte ltd=ltd; pty ltd=ltd; pvt=ltd; pte=ltd; pty=ltd; plc=plc
public limited company=plc; inc=inc; incorporated=inc; corp=corp; corporation=corp
corporacion=corp; corporacao=corp
co=co; company=co; cia=co; compania=co; companhia=co; compagnie=co; llp=llp; lllp=llp
limited liability partnership=llp; lp=lp
limited partnership=lp; jsc=jsc; joint stock company=jsc; ojsc=jsc; cjsc=jsc; pjsc=jsc
open joint stock company=jsc; closed joint stock company=jsc
public joint stock company=jsc; ooo=ooo; oao=jsc; zao=jsc; pao=jsc; ao=jsc; tov=ooo
obshchestvo s ogranichennoy otvetstvennostyu=ooo; aktsionernoe obshchestvo=jsc
aktsionernoye obshchestvo=jsc; zakrytoe aktsionernoe obshchestvo=jsc
otkrytoe aktsionernoe obshchestvo=jsc; gmbh=gmbh; mbh=gmbh; gmbh co kg=kg; ag=ag; kg=kg
ohg=ohg; kgaa=kgaa; ug=ug; ev=ev; e v=ev; sa=sa; s a=sa; societe anonyme=sa
sociedad anonima=sa; sociedade anonima=sa; sarl=sarl; s a r l=sarl; sas=sas; sasu=sas
eurl=sarl; snc=snc; sl=sl; s l=sl; srl=srl; s r l=srl; sro=srl; s r o=srl
sociedad limitada=sl; ltda=ltda; limitada=ltda; sa de cv=sa; s de rl=srl
s de rl de cv=srl; spa=spa; s p a=spa; sapa=spa; sac=sa; saa=sa; eireli=ltda; bv=bv
b v=bv; nv=nv; n v=nv; bvba=bv; sprl=srl; vof=vof; ab=ab; as=as; a s=as; asa=asa; oy=oy
oyj=oyj
aps=aps; hf=hf; ehf=hf; sp z o o=spzoo; spzoo=spzoo; doo=doo; d o o=doo; dooel=doo
dd=dd; ad=ad; ead=ad; eood=ood; ood=ood; kft=kft; zrt=zrt; nyrt=zrt; bt=bt
sdn bhd=sdnbhd; bhd=bhd; sendirian berhad=sdnbhd; berhad=bhd; tbk=tbk; fze=fze; fzco=fze
fzc=fze; wll=wll; w l l=wll; spc=spc; saog=sa; saoc=sa; psc=jsc; qsc=jsc; ksc=jsc
kscc=jsc; bsc=jsc; pjs=jsc; sti=ltd; ltd sti=ltd; limited sirketi=ltd; anonim sirketi=as
eu=eu; kabushiki kaisha=kk; kk=kk; yugen kaisha=yk; youxian gongsi=ltd; gongsi=co
youxian zeren gongsi=ltd; sherkat=co; sherkate=co; est=est; establishment=est
aktiengesellschaft=ag; gesellschaft mit beschrankter haftung=gmbh
gesellschaft mit beschraenkter haftung=gmbh; kommanditgesellschaft=kg
kommanditgesellschaft auf aktien=kgaa; offene handelsgesellschaft=ohg
eingetragener verein=ev; eingetragene genossenschaft=eg; eg=eg; se=se
societas europaea=se; unternehmergesellschaft=ug; societe a responsabilite limitee=sarl
societe par actions simplifiee=sas; societe en nom collectif=snc
sociedad de responsabilidad limitada=srl; sociedad anonima de capital variable=sa
sociedade limitada=ltda; societa per azioni=spa; societa a responsabilita limitata=srl
besloten vennootschap=bv; naamloze vennootschap=nv; aktiebolag=ab; aktieselskab=as
aksjeselskap=as; osakeyhtio=oy; anpartsselskab=aps
spolka z ograniczona odpowiedzialnoscia=spzoo; spolka akcyjna=sa
spolecnost s rucenim omezenym=srl; akciova spolecnost=as
obshchestvo s ogranichennoi otvetstvennostiu=ooo; obshchestvo s ogranichennoi otvetstvennostyu=ooo
obshchestvo s ogranichennoy otvetstvennostyu=ooo; obshchestvo s ogranichennoj otvetstvennostju=ooo
publichnoe aktsionernoe obshchestvo=jsc; publichnoye aktsionernoye obshchestvo=jsc
zakrytoye aktsionernoye obshchestvo=jsc; otkrytoye aktsionernoye obshchestvo=jsc
aktsionernoye obshchestvo=jsc; tovaristvo z obmezhenoyu vidpovidalnistyu=ooo
tovarystvo z obmezhenoiu vidpovidalnistiu=ooo; pat=jsc; prat=jsc; tdv=ooo
you xian gong si=ltd; you xian ze ren gong si=ltd; gu fen you xian gong si=jsc
gufen youxian gongsi=jsc; zhu shi hui she=kk; godo kaisha=gk; yugen gaisha=yk
aktiebolaget=ab; allmennaksjeselskap=asa; julkinen osakeyhtio=oyj
korlatolt felelossegu tarsasag=kft; druzba z omejeno odgovornostjo=doo
drustvo s ogranicenom odgovornoscu=doo; druzhestvo s ogranichena otgovornost=ood
etairia periorismenis efthinis=epe; epe=epe; joint stock=jsc; private joint stock company=jsc
prjsc=jsc; prat=jsc; pjsc=jsc; akb=jsc
"""
LEGAL_FORMS: dict[tuple[str, ...], str] = {
    tuple(phrase.split()): code.strip()
    for item in _LEGAL_FORM_TEXT.replace("\n", ";").split(";")
    if item.strip()
    for phrase, code in [item.split("=")]
}
_LONGEST_FORM = max(len(key) for key in LEGAL_FORMS)
# Two-letter forms are also ordinary syllables of names ("Ab", "As", "Sa"); they are
# only taken as legal forms at the ends of an organisation's name.
_AMBIGUOUS_FORMS = frozenset(key for key in LEGAL_FORMS if len(key) == 1 and len(key[0]) <= 2)


def strip_legal_forms(tokens: list[str]) -> tuple[list[str], list[str]]:
    """Split an organisation's tokens into its name and the legal forms it carries.

    Forms are taken from both ends repeatedly ("OOO Alfa", "Alfa Co., Ltd."); longer,
    unambiguous forms are taken anywhere. A name made only of legal forms is kept whole.
    Form words of five letters or more are recognised with one typo ("Limitde",
    "Coproration"); the words that stay are returned as written.
    """
    forms: list[str] = []
    kept = list(tokens)
    rest = [_form_word(tok) for tok in tokens]

    def take(start: int, end: int) -> None:
        forms.append(LEGAL_FORMS[tuple(rest[start:end])])
        del rest[start:end], kept[start:end]

    changed = True
    while changed and rest:
        changed = False
        for size in range(min(_LONGEST_FORM, len(rest) - 1), 0, -1):
            if tuple(rest[-size:]) in LEGAL_FORMS:
                take(len(rest) - size, len(rest))
            elif tuple(rest[:size]) in LEGAL_FORMS:
                take(0, size)
            else:
                continue
            changed = True
            break
    i = 0
    while i < len(rest) and len(rest) > 1:
        for size in range(min(_LONGEST_FORM, len(rest) - 1), 0, -1):
            seq = tuple(rest[i : i + size])
            if seq in LEGAL_FORMS and seq not in _AMBIGUOUS_FORMS and (size > 1 or len(seq[0]) > 3):
                take(i, i + size)
                break
        else:
            i += 1
    return kept, forms


# Kinds of legal person, each the same form in many languages: a Russian OOO is an LLC,
# a Spanish "sociedad de responsabilidad limitada" and a German GmbH are too, and lists
# translate one into the other. Two forms of different kinds are two legal persons
# ("Siemens AG" / "Siemens GmbH", "Genting Sdn Bhd" / "Genting Berhad"). Forms whose
# kind depends on the country (a Norwegian AS is private, a Danish A/S is not) agree
# only with themselves, and forms that only say "company" agree with any.
_KINDS = {
    "limited": "llc ooo ltd ltda sarl srl sl gmbh ug spzoo doo kft ood epe bv oy aps sdnbhd",
    "stock": "jsc ag sa sas spa nv plc asa oyj ad zrt bhd kk inc corp kgaa se tbk",
    "partnership": "lp llp kg ohg snc vof",
}
_KIND = {code: kind for kind, codes in _KINDS.items() for code in codes.split()}
_GENERIC = frozenset({"co", "est"})


def forms_agree(a: Iterable[str], b: Iterable[str]) -> bool:
    """False when both names state legal forms and no form of one can be one of the other."""
    left = {_KIND.get(code, code) for code in a if code not in _GENERIC}
    right = {_KIND.get(code, code) for code in b if code not in _GENERIC}
    return not left or not right or bool(left & right)


TWO_TYPOS_FROM = 10
_ALL_FORM_WORDS = frozenset(word for key in LEGAL_FORMS for word in key)
_PHRASE_WORDS = frozenset(word for key in LEGAL_FORMS if len(key) > 1 for word in key) - {
    word for key in LEGAL_FORMS if len(key) == 1 for word in key
}
_FORM_WORDS = frozenset(word for key in LEGAL_FORMS for word in key if len(word) >= 5)
_FOLDED_FORM_WORDS = {fold(word): word for word in sorted(_FORM_WORDS)}


@memo(100_000)
def _form_word(token: str) -> str:
    """The legal-form word a token is one typo or a transliteration away from, else itself."""
    if token in _ALL_FORM_WORDS:
        return token
    single = DOUBLED.sub(r"\1", token)
    if single in _ALL_FORM_WORDS:
        return single  # a letter doubled, or stuffed in to disguise it ("LLTD", "ZZAO")
    if len(token) < 4 or token in _FORM_WORDS:
        return token
    folded = fold(token)
    if folded in _FOLDED_FORM_WORDS:
        return _FOLDED_FORM_WORDS[folded]
    for key, word in sorted(_FOLDED_FORM_WORDS.items()):
        # Long words of forms written in several words ("Obshchestvo s ogranichennoi
        # otvetstvennostyu") are recognised with two typos: only the whole phrase is a
        # form, so a name word that looks like one ("Coronation") stays a name word.
        edits = 2 if len(word) >= TWO_TYPOS_FROM and word in _PHRASE_WORDS else 1
        for mine, theirs in ((folded, key), (token, word)):
            if (
                abs(len(mine) - len(theirs)) <= edits
                and OSA.distance(mine, theirs, score_cutoff=edits) <= edits
            ):
                return word
    return token
