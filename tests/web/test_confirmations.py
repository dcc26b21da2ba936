"""Irreversible steps ask first and never choose an adverse reason for the user (issue #13
point 4), checked over every POST form of every template: a form whose action approves,
revokes, terminates, refuses, rejects, decides, publishes, withdraws, removes, answers,
acknowledges, extends or records a breach carries data-confirm with a question in both
languages (/static/confirm.js asks it); a reason or outcome list in such a form starts empty and
is required; no radio button or option is checked or selected unless it repeats the user's own
earlier choice."""
from __future__ import annotations

import re
from pathlib import Path

from xinyong.web.i18n import messages

TEMPLATES = Path(__file__).resolve().parents[2] / "xinyong" / "web" / "templates"
FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*>(.*?)</form>", re.S | re.I)
ACTION = re.compile(r'action="([^"]*)"')
CONFIRM = re.compile(r"data-confirm=\"\{\{ t\('([\w.]+)'\) \}\}\"")
# the last path segment of a step that cannot be taken back
IRREVERSIBLE = re.compile(r"/(approve|accept|revoke|terminate|refuse|reject|decision|decide|publish|publication|"
                          r"withdraw|removal|objection-reply|objection|ack|extend|breach|fulfil|handle|notice|"
                          r"feedback)\"?$")
REASON_FIELDS = ("kind", "outcome", "effect", "reason_code", "category")
SELECT = re.compile(r"<select\b([^>]*)>(.*?)</select>", re.S)
BARE_CHOICE = re.compile(r"<(?:option|input)\b[^>]*?\s(checked|selected)\b[^>]*>")


def post_forms():
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for match in FORM.finditer(text):
            tag = match.group(0)[:match.group(0).index(">") + 1]
            action = ACTION.search(tag).group(1) if ACTION.search(tag) else ""
            yield path.relative_to(TEMPLATES).as_posix(), action, tag, match.group(1)


def test_every_irreversible_form_asks_first_in_both_languages():
    forms = list(post_forms())
    irreversible = [(p, a, tag) for p, a, tag, _ in forms
                    if IRREVERSIBLE.search(a) or "decide_url" in a]
    assert len(irreversible) >= 25                      # the walk found the forms it is about
    missing = [(p, a) for p, a, tag in irreversible if not CONFIRM.search(tag)]
    assert missing == []
    known = messages()
    for p, a, tag, _ in forms:
        found = CONFIRM.search(tag)
        if found:
            entry = known.get(found.group(1))
            assert entry and entry["zh"].strip() and entry["en"].strip(), (p, a, found.group(1))
            assert entry["zh"].endswith("？") and entry["en"].endswith("?"), found.group(1)   # a question


def test_no_reason_or_outcome_is_chosen_for_the_user():
    for path, action, tag, body in post_forms():
        for attrs, options in SELECT.findall(body):
            name = re.search(r'name="([^"]+)"', attrs)
            if name and name.group(1) in REASON_FIELDS and CONFIRM.search(tag):
                first = re.search(r"<option\b[^>]*>", options).group(0)
                assert 'value=""' in first and "required" in attrs, (path, action, name.group(1))
    for path in sorted(TEMPLATES.rglob("*.html")):
        text = path.read_text(encoding="utf-8")
        for m in BARE_CHOICE.finditer(text):
            before = text[max(0, m.start(1) - 120):m.start(1)]
            # allowed only as a repetition of the user's own choice: {% if form.x == ... %}checked
            assert re.search(r"\{% if [^%]*%\}\s*$", before), (path.name, m.group(0))


def test_the_confirmation_script_is_linked_from_every_page_and_is_a_file():
    base = (TEMPLATES / "base.html").read_text(encoding="utf-8")
    assert '<script src="/static/confirm.js" defer></script>' in base
    script = (TEMPLATES.parent / "static" / "confirm.js").read_text(encoding="utf-8")
    assert "data-confirm" in script and "window.confirm" in script and "preventDefault" in script
