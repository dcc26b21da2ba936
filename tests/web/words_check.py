"""What the words test looks for in a page or a PDF text (issue #13 point 3).

A Chinese page may show no Latin word except the allowed tokens (API, PDF, codes with digits,
URLs...) and data; an English page no Han character except data. "Data" is what the platform
holds, not what it says: names, addresses, record contents, typed-in text — every text value in
the database (columns of generated wording, *_zh/*_en/reason/citation, are not data), and any
element marked as data by a ``lang`` attribute (``<span lang="zh-CN">`` on an English page). Code
samples and identifiers shown on purpose (``<code>``, ``<pre>``, ``class="code"``: a catalogue
item's API code, an audit entry's action and details) are not read.
On both: no internal code (a snake_case token, a known code standing alone as an element's text,
a citation in its machine form like ``QZ art. 10`` or ``NDRC-58``)."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

HAN = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]+")
LATIN_WORD = re.compile(r"[A-Za-z][A-Za-z0-9_'’.\-/:@]*")
CODE_VALUE = re.compile(r"[a-z][a-z0-9]*(?:[_.][a-z0-9]+)+")     # subject_kind, listing.propose
SNAKE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b")
MACHINE_CITATION = re.compile(r"\b(?:QZ|FZ|ARL|ALL)\s+(?:art|ch)\.|\bNDRC-\d+|\bGB-DUAL\b|\bGOV-\d{4}-\d+")
# Latin tokens a Chinese reader of this platform writes too
ALLOWED_LATIN = {"API", "PDF", "CSV", "XLSX", "XLS", "JSON", "QR", "URL", "ID", "USCC", "SM2", "SM3", "SM4",
                 "PAdES", "OIDC", "JPG", "PNG", "HTTP", "HTTPS", "UTF-8", "GBK", "Excel", "English", "SHA-256", "RFC", "CA",
                 "Ed25519", "ECDSA", "P-256", "OpenAPI", "TSA", "km", "kB", "MB", "KB", "KiB", "MiB", "GiB", "Merkle", "YAML",
                 "Python", "cryptography", "YYYY-MM-DD", "YYYY/MM/DD"}   # software by its name; date formats
FILE_NAME = re.compile(r"[\w\-]+\.(?:py|json|csv|xlsx|yaml|yml|pdf|txt)\b")
CODE_TOKEN = re.compile(r"[A-Z0-9]{8,}")     # verification codes, USCC
SKIP_TAGS = {"script", "style", "head", "title", "code", "pre", "kbd", "samp"}   # code samples are not words
ATTRS = ("title", "placeholder", "aria-label", "alt")


@dataclass
class Text:
    chunks: list[str] = field(default_factory=list)     # every visible text, data-marked parts removed
    alone: list[str] = field(default_factory=list)      # texts that are an element's whole text


class _Parser(HTMLParser):
    VOID = {"br", "img", "input", "meta", "link", "hr", "wbr", "source", "col", "area", "base"}

    def __init__(self, page_lang: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_lang, self.stack, self.out = page_lang, [], Text()

    def _skipping(self) -> bool:
        return any(skip for _, skip in self.stack)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        marked = a.get("lang") is not None and not a["lang"].startswith(self.page_lang) and tag != "html"
        skip = tag in SKIP_TAGS or marked or "code" in (a.get("class") or "").split()   # class="code": an identifier shown on purpose
        if not skip and not self._skipping():
            for name in ATTRS:
                if a.get(name):
                    self.out.chunks.append(a[name])
            if tag == "input" and a.get("type") in ("submit", "button") and a.get("value"):
                self.out.chunks.append(a["value"])
        if tag not in self.VOID:
            self.stack.append((tag, skip))

    def handle_endtag(self, tag):
        for i in range(len(self.stack) - 1, -1, -1):
            if self.stack[i][0] == tag:
                del self.stack[i:]
                return

    def handle_data(self, data):
        if self._skipping() or not data.strip():
            return
        self.out.chunks.append(data)
        self.out.alone.append(data.strip())


def page_text(html: str, lang: str) -> Text:
    parser = _Parser("zh" if lang == "zh" else "en")
    parser.feed(html)
    return parser.out


class Data:
    """The database's text values: a shown run of Han or a Latin word found in them is data."""

    def __init__(self, values: list[str], codes: set[str], names: list[str]) -> None:
        values = [v for v in values if v not in codes and not CODE_VALUE.fullmatch(v)]   # a stored code is not data
        values += names    # a user name is data even when it is spelt like a code (the demo's "staff")
        self.blob = "\n".join(values)
        self.words = {w.lower() for v in values for w in LATIN_WORD.findall(v)}
        self._han: dict[str, bool] = {}

    def has_han(self, run: str) -> bool:
        if run not in self._han:
            self._han[run] = run in self.blob
        return self._han[run]

    def has_word(self, word: str) -> bool:
        return word.lower().strip(".:/-") in self.words or word in self.blob


def findings(texts: list[str], alone: list[str], lang: str, data: Data, codes: set[str]) -> list[tuple[str, str, str]]:
    """(kind, the wrong string, its context) for each string wrong on a page (or PDF) of ``lang``."""
    found: list[tuple[str, str, str]] = []
    for text in texts:
        found += [("citation in machine form", m.group(), _around(text, m)) for m in MACHINE_CITATION.finditer(text)]
        files = {f.group() for f in FILE_NAME.finditer(text)}
        found += [("internal code", m.group(), _around(text, m)) for m in SNAKE.finditer(text)
                  if not data.has_word(m.group()) and not any(m.group() in f for f in files)]
        if lang == "en":
            found += [("Chinese on an English page", m.group(), _around(text, m)) for m in HAN.finditer(text)
                      if not data.has_han(m.group())]
        else:
            found += [("English on a Chinese page", m.group(), _around(text, m)) for m in LATIN_WORD.finditer(text)
                      if not SNAKE.fullmatch(m.group()) and not _allowed_latin(m.group(), data)]
    found += [("internal code standing alone", t, t) for t in alone if t in codes and not data.has_word(t)]
    return found


def _allowed_latin(word: str, data: Data) -> bool:
    bare = word.strip(".:/-'’")
    return (bare in ALLOWED_LATIN or any(c.isdigit() for c in bare) or CODE_TOKEN.fullmatch(bare) is not None
            or FILE_NAME.fullmatch(bare) is not None or "@" in bare or "/" in word
            or bare.startswith(("http", "www.")) or data.has_word(bare) or (len(bare) == 1 and bare.isupper()))


def _around(text: str, m: re.Match, width: int = 30) -> str:
    return repr(text[max(0, m.start() - width):m.end() + width].strip())
