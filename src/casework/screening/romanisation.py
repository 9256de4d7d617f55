"""Chinese and Korean names in the other romanisations lists and records use.

A Chinese name is written in pinyin ("Mao Zedong", "Deng Xiaoping") or, in older
records and Taiwanese passports, in Wade-Giles without its marks ("Mao Tse-tung",
"Teng Hsiao-ping"). A Korean name is written in the Revised Romanization ("Gim
Jeong-eun", which is also what transliterating Hangul gives) or in McCune-Reischauer,
which North Korean listings use ("Kim Jong Un"). Spelling similarity cannot bridge
"Zedong" and "Tse-tung", so each word is reduced to a key that both systems share:
pinyin syllables are rewritten as Wade-Giles; Korean syllables lose the distinctions one
system makes and the other does not (g/k, eo/o, eu/u).

The keys are only compared within names that are Chinese or Korean: a name with a
common surname of that language whose every word reads as syllables of it. Elsewhere
"Dan" and "Tan" would meet.
"""

from __future__ import annotations

import re
from enum import Enum

from casework.screening.spelling import memo


class Family(Enum):
    chinese = "chinese"
    korean = "korean"


ALL_FAMILIES = frozenset(Family)


# Pinyin: initials and finals (ü written v or u). Whole syllables without an initial
# are written with y or w.
_PINYIN_INITIALS = "zh ch sh b p m f d t n l g k h j q x r z c s y w".split()
_PINYIN_FINALS = (
    "iang iong uang ueng ang eng ing ong ian iao uai uan van ai ei ao ou an en er ia ie iu "
    "in ua uo ui un ue ve vn a o e i u v"
).split()
_WHOLE_TO_WG = {
    "zhi": "chih", "chi": "chih", "shi": "shih", "ri": "jih", "zi": "tzu", "ci": "tzu",
    "si": "ssu", "yi": "i", "ye": "yeh", "you": "yu", "yan": "yen", "yong": "yung",
    "yue": "yueh", "er": "erh", "e": "o", "ge": "ko", "ke": "ko", "he": "ho",
}  # fmt: skip
_INITIAL_TO_WG = {
    "b": "p", "d": "t", "g": "k", "j": "ch", "q": "ch", "x": "hs", "zh": "ch", "r": "j",
    "z": "ts", "c": "ts",
}  # fmt: skip
_FINAL_TO_WG = {
    "ong": "ung", "iong": "iung", "ian": "ien", "ie": "ieh", "ue": "ueh", "ve": "ueh",
    "v": "u", "van": "uan", "vn": "un",
}  # fmt: skip
# "uo" is written "o" except after g, k, h and sh ("Guo" is "Kuo", "Luo" is "Lo").
_UO_KEPT = frozenset({"g", "k", "h", "sh"})

# Common Chinese surnames, in pinyin; their Wade-Giles spellings are derived below.
_CHINESE_SURNAMES = (
    "wang li zhang liu chen yang huang zhao wu zhou xu sun ma zhu hu guo he lin gao luo "
    "zheng liang xie song tang han feng deng cao peng zeng xiao tian dong pan yuan cai "
    "jiang yu du ye cheng wei su lu ding ren shen yao jin fu zhong cui fan xi mao qian "
    "qiu hou shi bai kong meng qin yan xiong jia hao kang wan gu lei long duan tan lai "
    "wen bo fang xia jiang shao tao ni niu qiao mo ge lv lu dai an chang yin yi zou xue "
    "yue rao zhan hong yi lan tong ji liao shang mu bi qu ou chai pang lou kuang geng "
    "huo hua miao ling nie yong gong ruan shan qi chu zhai lian yun ai dou zu min"
)
# Korean syllables as the Revised Romanization and McCune-Reischauer (without its
# marks) write them, reduced to what both agree on.
_KOREAN_ONSETS = "kk tt pp ss jj tch ch sh g k n d t r l m b p s j h".split()
_KOREAN_VOWELS = "yeo yae wae you eo ae ya yo yu ye wa wo we wi oe ui eu ee oo ou a e i o u".split()
_KOREAN_CODAS = "ng k n t l m p".split()
_KOREAN_ONSET_KEY = {
    "kk": "k", "g": "k", "k": "k", "tt": "t", "d": "t", "t": "t", "pp": "p", "b": "p",
    "p": "p", "ss": "s", "s": "s", "jj": "c", "j": "c", "sh": "s", "ch": "c", "tch": "c", "r": "l",
    "l": "l", "n": "n", "m": "m", "h": "h", "": "",
}  # fmt: skip
_KOREAN_VOWEL_KEY = {
    "eo": "o", "yeo": "yo", "eu": "u", "ae": "e", "yae": "ye", "oe": "we", "wae": "we",
    "ui": "i", "ee": "i", "oo": "u", "ou": "o", "you": "yo",
}  # fmt: skip
# Common spellings write "eo" (and "yeo") as "u" ("Hyun", "Suk", "Chun" for hyeon, seok,
# jeon), so each word has a second reading with "u" for them.
_KOREAN_VOWEL_ALT = {"eo": "u", "yeo": "yu", "you": "yu"}
# Surnames whose common spellings no rule relates ("Lee" / "Yi" / "Ri", "Park" / "Pak").
_KOREAN_SURNAME_GROUPS = (
    "lee yi ri rhee i rhie", "park pak bak pack", "choi choe chwe", "jung jeong chung chong jong",
    "kim gim", "kang gang", "cho jo joe", "yoon yun", "jang chang", "lim im rim yim",
    "oh o", "seo so suh", "shin sin", "kwon gwon", "ahn an", "ryu yu yoo ryoo",
    "jeon chon jun", "moon mun", "bae pae", "baek paek paik", "heo ho hur huh",
    "sim shim", "noh no roh ro", "kwak gwak", "sung seong", "joo ju chu", "woo u",
    "koo ku gu", "han", "hwang", "song", "hong", "ko go", "yang", "son", "nam", "ha",
    "cha", "min", "pyon byun byeon", "ryang yang", "o oh",
)  # fmt: skip
_KOREAN_SURNAME = {
    spelling: group.split()[0] for group in _KOREAN_SURNAME_GROUPS for spelling in group.split()
}
KOREAN_SURNAMES = frozenset(_KOREAN_SURNAME)

_PALATAL_FINALS = frozenset("i ia ian iang iao ie in ing iong iu u ue uan un".split())
_Y_FINALS = frozenset("a ao an ang e i in ing o ong ou u ue uan un".split())
_W_FINALS = frozenset("a ai an ang ei en eng o u".split())


def _combines(initial: str, final: str) -> bool:
    """Whether pinyin writes this initial with this final (j, q and x only before i or
    u; zh, ch, sh, r, z, c, s, g, k and h never before i-finals)."""
    if initial in ("j", "q", "x"):
        return final in _PALATAL_FINALS
    if initial == "y":
        return final in _Y_FINALS
    if initial == "w":
        return final in _W_FINALS
    if initial in ("zh", "ch", "sh", "r", "z", "c", "s", "g", "k", "h"):
        return (final == "i" and initial not in ("g", "k", "h")) or not final.startswith(("i", "v"))
    return True


PINYIN_SYLLABLES = frozenset(
    {i + f for i in _PINYIN_INITIALS for f in _PINYIN_FINALS if _combines(i, f)}
    | (set(_PINYIN_FINALS) - {"i", "u", "v", "ia", "ie", "iu", "in", "ua", "uo", "ui", "un"})
)


def _cut(token: str, syllables: frozenset[str]) -> list[str] | None:
    """The token cut into the fewest syllables of the inventory, or None."""
    best: list[list[str] | None] = [[]] + [None] * len(token)
    for end in range(1, len(token) + 1):
        for start in range(max(0, end - 6), end):
            before = best[start]
            found = best[end]
            if (
                before is not None
                and token[start:end] in syllables
                and (found is None or len(before) + 1 < len(found))
            ):
                best[end] = [*before, token[start:end]]
    return best[len(token)]


def _to_wade_giles(syllable: str) -> str:
    if syllable in _WHOLE_TO_WG:
        return _WHOLE_TO_WG[syllable]
    for initial in sorted(_PINYIN_INITIALS, key=len, reverse=True):
        if syllable.startswith(initial) and len(syllable) > len(initial):
            final = syllable[len(initial) :]
            break
    else:
        initial, final = "", syllable
    if initial in ("y", "w"):
        return initial + _FINAL_TO_WG.get(final, final)
    if final == "uo" and initial not in _UO_KEPT:
        final = "o"
    if initial in ("j", "q", "x") and final.startswith("u"):
        final = "u" + final[1:]  # ju, qu, xu are jü, qü, xü
    return _INITIAL_TO_WG.get(initial, initial) + _FINAL_TO_WG.get(final, final)


WADE_GILES_SYLLABLES = frozenset(_to_wade_giles(s) for s in PINYIN_SYLLABLES)


CHINESE_SURNAMES = frozenset(
    {*_CHINESE_SURNAMES.split()} | {_to_wade_giles(n) for n in _CHINESE_SURNAMES.split()}
)


@memo(100_000)
def chinese_keys(token: str) -> frozenset[str]:
    """The token's syllables as Wade-Giles writes them, for each way of reading it (as
    pinyin, and as Wade-Giles: "chi" is pinyin "ch'ih" or Wade-Giles for "ji" and "qi");
    empty if it is not Chinese."""
    keys: set[str] = set()
    pinyin = _cut(token, PINYIN_SYLLABLES)
    if pinyin is not None:
        keys.add("".join(_to_wade_giles(s) for s in pinyin))
    wade_giles = _cut(token, WADE_GILES_SYLLABLES)
    if wade_giles is not None:
        keys.add("".join(wade_giles))
    return frozenset(keys)


_KOREAN = re.compile(
    "(" + "|".join(_KOREAN_ONSETS) + ")?"
    "(" + "|".join(_KOREAN_VOWELS) + ")"
    "(" + "|".join(_KOREAN_CODAS) + ")?"
)


@memo(100_000)
def korean_keys(token: str) -> frozenset[str]:
    """The token's Korean syllables reduced to what both romanisations agree on, in
    each common reading; empty if it is not Korean."""
    plain: list[str] = []
    other: list[str] = []
    i = 0
    while i < len(token):
        found = _KOREAN.match(token, i)
        if not found:
            return frozenset()
        onset, vowel, coda = (g or "" for g in found.groups())
        lead = _KOREAN_ONSET_KEY[onset]
        plain.append(lead + _KOREAN_VOWEL_KEY.get(vowel, vowel) + coda)
        other.append(
            lead + _KOREAN_VOWEL_ALT.get(vowel, _KOREAN_VOWEL_KEY.get(vowel, vowel)) + coda
        )
        i = found.end()
    return frozenset({"".join(plain), "".join(other)})


def families(tokens: tuple[str, ...], script: str | None = None) -> frozenset[Family]:
    """Which languages a name may be romanised from: Korean or Chinese when it is
    written in Hangul or Han, or when its first or last word is a common surname of the
    language and every word reads as syllables of it."""
    if not tokens or len(tokens) > 5:
        return frozenset()
    found: set[Family] = set()
    ends = {tokens[0], tokens[-1]}
    korean = all(korean_keys(t) or t in _KOREAN_SURNAME for t in tokens)
    if korean and (script == "HANGUL" or ends & KOREAN_SURNAMES):
        found.add(Family.korean)
    chinese = all(chinese_keys(t) for t in tokens)
    if chinese and (script == "CJK" or ends & CHINESE_SURNAMES):
        found.add(Family.chinese)
    return frozenset(found)


def same_romanised(a: str, b: str, kinds: frozenset[Family]) -> bool:
    """Whether two words of a Chinese or Korean name are one word romanised two ways."""
    if Family.chinese in kinds and chinese_keys(a) & chinese_keys(b):
        return True
    if Family.korean in kinds:
        if korean_keys(a) & korean_keys(b):
            return True
        return a in _KOREAN_SURNAME and _KOREAN_SURNAME[a] == _KOREAN_SURNAME.get(b)
    return False
