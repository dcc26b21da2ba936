"""Citations in the words a reader writes them: 《泉州市社会信用条例》第十条第二款 in Chinese,
"Quanzhou Municipal Social Credit Regulation, art. 10(2)" in English.

A rule's citation is kept as data (regulation id, ``article`` in the compact English form
"art. 10 para. 2", optional ``article_zh``); its ``str()`` is the stored, machine form
"QZ art. 10 para. 2 (泉州市社会信用条例 第十条第二款)" found in decisions, deadlines and documents.
``in_words`` is the one formatter of a citation; ``words_in_text`` finds the stored form inside
any text (a reason, a stored column) and puts the words in its place, so a page or a PDF never
shows the machine form, whatever path the string took."""
from __future__ import annotations

import functools
import re

from xinyong.law.loader import PROFILES_DIR, Citation, Regulation, load_profile

DIGITS = "零一二三四五六七八九"
_UNITS = ((1000, "千"), (100, "百"), (10, "十"))


def chinese_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 20 -> 二十, 105 -> 一百零五 (article numbers run below 10000)."""
    if n < 0 or n >= 10000:
        raise ValueError(f"no Chinese article number for {n}")
    if n < 10:
        return DIGITS[n]
    out, zero = "", False
    for value, unit in _UNITS:
        digit, n = divmod(n, value)
        if digit:
            if zero:
                out += "零"
            out += ("" if (value == 10 and digit == 1 and not out) else DIGITS[digit]) + unit
            zero = False
        elif out:
            zero = True
    if n:
        out += ("零" if zero else "") + DIGITS[n]
    return out


_LEVELS = (("art.", "条"), ("para.", "款"), ("item", "项"))
_NUM = r"\d+(?:\s*-\s*\d+)?"
_PART = re.compile(r"^(?:(ch\.)\s*(%s)|art\.\s*(%s)(?:\s*para\.\s*(%s))?(?:\s*(?:item\s*(%s)|\((%s)\)(?:\s*-\s*\((\d+)\))?))?)$"
                   % (_NUM, _NUM, _NUM, _NUM, _NUM))


def _span_zh(spec: str, unit: str) -> str:
    lo, _, hi = (x.strip() for x in spec.partition("-"))
    first = f"第{chinese_number(int(lo))}{unit}"
    return f"{first}至第{chinese_number(int(hi))}{unit}" if hi else first


def article_zh(article: str) -> str | None:
    """"art. 10 para. 2 item 3" -> 第十条第二款第三项; "art. 20-23" -> 第二十条至第二十三条;
    "art. 32, 34" -> 第三十二条、第三十四条; "ch. 2" -> 第二章. None when the form is not one of these."""
    parts, last_article = [], None
    for raw in re.split(r"\s*[;,]\s*", article.strip()):
        if re.fullmatch(_NUM, raw) and last_article is not None:   # "art. 32, 34": a bare number is an article
            raw = f"art. {raw}"
        m = _PART.match(raw)
        if not m:
            return None
        chapter, chap_no, art, para, item, item_p, item_hi = m.groups()
        if chapter:
            parts.append(_span_zh(chap_no, "章"))
            continue
        last_article = art
        text = _span_zh(art, "条") + (_span_zh(para, "款") if para else "")
        if item or item_p:
            text += _span_zh(item or item_p if not item_hi else f"{item_p}-{item_hi}", "项")
        parts.append(text)
    return "、".join(parts) if parts else None


def article_en(article: str) -> str:
    """"art. 10 para. 2" -> "art. 10(2)"; "art. 14 para. 2 item 2" -> "art. 14(2)(ii)" stays readable as 14(2) item 2.
    A bare number ("16", as some profile rules store the article) is an article: "art. 16"."""
    if re.match(r"\d", article.strip()):
        article = f"art. {article.strip()}"
    text = re.sub(r"\s*para\.\s*(\d+(?:-\d+)?)", r"(\1)", article.strip())
    return re.sub(r"\)\s*item\s*(\d+)", r"), item \1", text)


def _title_zh(reg: Regulation) -> str:
    return f"《{reg.title_zh}》" + (f"（{reg.doc_no_zh}）" if reg.doc_no_zh else "")


def words(reg: Regulation, article: str = "", article_zh_given: str = "", lang: str = "zh") -> str:
    if lang == "zh":
        zh = (article_zh_given or (article_zh(article) if article else None) or "")
        return _title_zh(reg) + (zh if _is_chinese(zh) else "")
    return reg.title_en + (f", {article_en(article)}" if article else "")


def _is_chinese(text: str) -> bool:
    return not re.search(r"[A-Za-z]", text)


def in_words(citation: Citation, lang: str = "zh") -> str:
    """The one formatter of a citation (see the module docstring)."""
    reg = regulations().get(citation.regulation_id)
    if reg is None:
        return str(citation)
    return words(reg, citation.article, citation.article_zh, lang)


@functools.lru_cache(maxsize=1)
def regulations() -> dict[str, Regulation]:
    """Every regulation any profile declares, by id (ids are unique across profiles)."""
    found: dict[str, Regulation] = {}
    for path in sorted(PROFILES_DIR.glob("*.yaml")):
        found.update(load_profile(path.stem).regulations)
    return found


@functools.lru_cache(maxsize=1)
def _stored_form() -> re.Pattern:
    """The machine form str(Citation) writes: "<id> <article> (<title_zh> <article_zh>)"."""
    alternatives = []
    for reg in sorted(regulations().values(), key=lambda r: -len(r.id)):
        alternatives.append(
            rf"(?P<id_{len(alternatives)}>{re.escape(reg.id)})(?: (?P<art_{len(alternatives)}>[^\n]*?))?"
            rf" \({re.escape(reg.title_zh)}(?: ?(?P<zh_{len(alternatives)}>[^\n()]*?))?\)")
    return re.compile(r"(?<![\w-])(?:" + "|".join(alternatives) + ")")


def words_in_text(text: str, lang: str = "zh") -> str:
    """Every stored-form citation inside ``text`` put into words of ``lang``."""
    if not text or "(" not in text:
        return text
    regs = list(sorted(regulations().values(), key=lambda r: -len(r.id)))

    def replace(m: re.Match) -> str:
        i = next(int(k.split("_")[1]) for k, v in m.groupdict().items() if k.startswith("id_") and v)
        return words(regs[i], m.group(f"art_{i}") or "", m.group(f"zh_{i}") or "", lang)

    worded = _stored_form().sub(replace, text)
    if lang == "zh" and worded != text:   # citations listed "a; b" read 《…》第一条；《…》第二条
        worded = _ZH_LIST.sub("；", worded)
    return worded


# a ";" between two citations (or a citation and Chinese words) in Chinese text
_ZH_LIST = re.compile(r"(?<=[\u4e00-\u9fff》）])\s*;\s*(?=[《\u4e00-\u9fff])")


def regulation_words(regulation_id: str | None, lang: str = "zh") -> str:
    """A regulation named by its id (a repair regime "NDRC-58", "QZ") in words; "—" when unknown."""
    reg = regulations().get(regulation_id or "")
    return words(reg, lang=lang) if reg else "—"
