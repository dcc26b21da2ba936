"""A refusal shown on a page reads as a sentence in English: messages are written as clauses
("the publication document number is required"), which the API's JSON keeps; the page raises
the first letter, in one place (xinyong.kit.web.refusal_text), and no page module or template
reads ``message_en`` around it."""
from __future__ import annotations

import ast
import re
from pathlib import Path

from sqlalchemy import select

from tests.measures.helpers import setup
from tests.support.web import page_login
from xinyong.accounts.tokens import issue_token
from xinyong.kit.errors import InvalidInput
from xinyong.kit.web import page_error, refusal_text
from xinyong.measures import service
from xinyong.models.measure import MeasureList

PACKAGE = Path(__file__).resolve().parents[2] / "xinyong"
MESSAGE = re.compile(r'class="error-message">([^<]*)<')


def test_the_words_of_a_refusal_in_each_language():
    exc = InvalidInput("请说明理由", field="reason", message_en="a refusal needs a reason")
    assert refusal_text(exc, "en") == "A refusal needs a reason" and refusal_text(exc, "zh") == "请说明理由"
    assert page_error(exc, "en") == {"field": "reason", "code": "invalid_input", "message": "A refusal needs a reason"}
    assert exc.message_en == "a refusal needs a reason"             # the error itself (and the API) keep the clause
    assert refusal_text(InvalidInput("x", message_en="42 rows: too many"), "en") == "42 rows: too many"
    assert page_error(None, "en") is None


def test_a_refused_form_in_english_shows_a_sentence_and_the_api_keeps_the_clause(session, client, today):
    today("2026-06-01")
    setup(session)
    service.sync(session, None)
    draft = session.scalars(select(MeasureList).where(MeasureList.status == "draft")).first()
    token = issue_token(session, "staff1")
    session.commit()
    csrf = page_login(client, "staff1", "staff-pass-123")
    page = client.post(f"/admin/measures/{draft.id}/publish?lang=en", data={"csrf_token": csrf, "document_no": " "})
    assert page.status_code == 422
    assert MESSAGE.findall(page.text) == ["The publication document number is required"]
    api = client.post(f"/api/v1/measure-lists/{draft.id}/publish", json={"document_no": " "},
                      headers={"Authorization": f"Bearer {token}"})
    assert api.status_code == 422 and api.json()["error"]["message_en"] == "the publication document number is required"


def test_a_verification_verdict_in_english_is_a_sentence(client):
    page = client.get("/verify/ABCDEFGH2345?lang=en")
    assert page.status_code == 404
    said = re.search(r'class="verdict-message">([^<]*)<', page.text).group(1)
    assert said == "No report with this verification code: this platform issued none"


def _reads_message_en(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [n.lineno for n in ast.walk(tree) if isinstance(n, ast.Attribute) and n.attr == "message_en"]


def test_no_page_module_or_template_words_a_refusal_itself():
    modules = [p for p in PACKAGE.rglob("*.py") if p.name == "pages.py" or p.name.endswith("_pages.py")]
    assert len(modules) > 20
    found = {str(p.relative_to(PACKAGE)): lines for p in modules if (lines := _reads_message_en(p))}
    assert found == {}, f"show a refusal with xinyong.kit.web.page_error / refusal_text: {found}"
    templates = [p for p in (PACKAGE / "web" / "templates").rglob("*.html")
                 if re.search(r"(?<!sentence\()\b\w+\.message_en", p.read_text(encoding="utf-8"))]
    assert templates == [], f"a template shows message_en as written: {templates}"


def test_the_check_above_can_fail(tmp_path):
    bad = tmp_path / "pages.py"
    bad.write_text("def _error(exc, lang):\n    return exc.message if lang == 'zh' else exc.message_en\n")
    assert _reads_message_en(bad) == [2]
