"""The site's content security policy (style-src 'self'; script-src 'self') refuses inline styles
and scripts, so a page that carries one does not render as designed (issue #13 point 1). No
template and no HTML built in Python may carry a style attribute, a <style> or <script> element,
an on* event handler or a javascript: URL (a <script src=...> loading a file of the site is allowed); styling lives in xinyong/web/static/*.css."""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2] / "xinyong"
TEMPLATES = ROOT / "web" / "templates"
# inside a tag (attributes may span lines): style=..., onclick=...; and the elements and URLs
# a <script> element is inline unless it loads a file (script-src 'self' admits /static/*.js)
INLINE = re.compile(r"<[a-zA-Z][^<>]*?\s(?:style|on[a-z]+)\s*=|<\s*script\b(?![^<>]*\ssrc\s*=)|<\s*style\b"
                    r"|javascript:", re.IGNORECASE)


def inline_code(text: str) -> list[str]:
    return [m.group(0)[-60:] for m in INLINE.finditer(text)]


def _python_strings(path: Path) -> list[str]:
    """Every string literal in a module (f-string parts included): where HTML is built in Python."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    return [node.value for node in ast.walk(tree) if isinstance(node, ast.Constant) and isinstance(node.value, str)]


def test_templates_carry_no_inline_style_or_script():
    templates = sorted(TEMPLATES.rglob("*.html"))
    assert len(templates) > 50, "the templates were not found"
    found = {str(p.relative_to(TEMPLATES)): hits for p in templates if (hits := inline_code(p.read_text("utf-8")))}
    assert not found, f"inline style or script in templates (move it to xinyong/web/static/*.css): {found}"


def test_html_built_in_python_carries_no_inline_style_or_script():
    modules = sorted(ROOT.rglob("*.py"))
    found = {str(p.relative_to(ROOT)): hits for p in modules
             for hits in [[h for s in _python_strings(p) for h in inline_code(s)]] if hits}
    assert not found, f"inline style or script in HTML built in Python: {found}"


@pytest.mark.parametrize("html", [
    '<div style="display:flex">', '<span class="badge"\n  style="color:red" title="x">', "<input STYLE='x'>",
    '<a href="/" onclick="go()">', '<body onload="x()">', "<script>alert(1)</script>", '<script type="module">go()</script>',
    "<style>p{}</style>", '<a href="javascript:void(0)">',
    '<svg><rect style="fill:red"></rect></svg>',
])
def test_the_check_finds_inline_code(html):
    assert inline_code(html), html


@pytest.mark.parametrize("html", [
    '<div class="choice-row">', '<rect fill="#2b6cb0" x="1">', '<a href="/styles">styles</a>',
    '<p>Set style="x" in CSS</p>', '<link rel="stylesheet" href="/static/site.css">', '<button type="submit">',
    '<input name="online" data-on="1">', '<script src="/static/confirm.js" defer></script>',
])
def test_the_check_leaves_ordinary_markup_alone(html):
    assert not inline_code(html), html
