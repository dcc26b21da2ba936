"""The service window shows a subject's records only to the staff member who found it by its
code that day, and that visit is in the subject's access log (QZ art. 33, FZ art. 24): an
internal id typed into a URL or an API path opens nothing. Pages and API, both backends."""
from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select

from tests.access.support import csrf_from, login
from tests.repair.conftest import ELIGIBLE, OLD, PASSWORD
from xinyong.accounts.service import create_user
from xinyong.app import create_app
from xinyong.models import AccessLog


def _visits(world) -> list[AccessLog]:
    world.session.expire_all()
    return list(world.session.scalars(select(AccessLog).where(AccessLog.subject_id == world.subject_id,
                                                              AccessLog.channel == "window")))


def test_a_window_page_by_id_alone_shows_nothing_and_logs_nothing(client, world):
    login(client, "staff", PASSWORD)
    for path in ("/repair/window", "/window/objections", "/window/authorisations"):
        page = client.get(f"{path}?subject_id={world.subject_id}")
        assert page.status_code == 200 and OLD not in page.text and world.uscc not in page.text, path
    assert _visits(world) == []


def test_the_look_up_is_logged_and_opens_the_page_for_that_staff_member_only(client, world):
    login(client, "staff", PASSWORD)
    found = client.post("/repair/window/lookup", data={"csrf_token": csrf_from(client, "/repair/window"),
                                                       "subject": world.uscc})
    assert OLD in found.text and "subject_id=" in str(found.url)
    [visit] = _visits(world)
    assert visit.allowed and visit.role == "staff" and visit.purpose == "窗口办理信用修复" and visit.basis_kind == "self"
    assert visit.reason.split("\n")[2]          # the article it rests on
    # the subject sees it among the reads of its information
    create_user(world.session, username="staff2", password=PASSWORD, role="staff")
    create_user(world.session, username="firm2", password=PASSWORD, role="subject", subject_uscc=world.uscc)
    world.session.commit()
    with TestClient(create_app(), base_url="http://testserver") as firm:
        login(firm, "firm2", PASSWORD)
        assert "窗口办理信用修复" in firm.get("/me/access-log").text
    # another staff member, with the same URL, is shown only the look-up form
    with TestClient(create_app(), base_url="http://testserver") as other:
        login(other, "staff2", PASSWORD)
        assert OLD not in other.get(str(found.url).split("testserver", 1)[1]).text
        # nor can the hidden subject_id of the form file for a subject it did not find
        token = csrf_from(other, "/repair/window")
        r = other.post("/repair/window", data={"csrf_token": token, "subject_id": str(world.subject_id),
                                               "record_id": str(world.records[ELIGIBLE]), "statement": "已整改"},
                       follow_redirects=False)
        assert r.status_code == 422 and "统一社会信用代码" in r.text


def test_the_api_reads_by_code_and_by_id_only_after_a_visit(client, world):
    staff = world.token("staff")
    by_id = f"/api/v1/repair/subjects/{world.subject_id}/eligibility"
    assert client.get(by_id, headers=staff).status_code == 404
    assert _visits(world) == []
    r = client.post("/api/v1/repair/window/eligibility", headers=staff, data={"subject_uscc": world.uscc})
    assert r.status_code == 200 and OLD in {e["decision_no"] for e in r.json()}
    assert len(_visits(world)) == 1
    assert client.get(by_id, headers=staff).status_code == 200


def test_a_refused_look_up_keeps_the_code_typed_on_each_window(client, world):
    """A code not found comes back in its field with the error (repair, objections and
    authorisations windows alike), so staff correct it instead of typing it again."""
    login(client, "staff", PASSWORD)
    wrong = world.uscc[:-1] + ("0" if world.uscc[-1] != "0" else "1")
    for page, action, field in (("/repair/window", "/repair/window/lookup", "subject"),
                                ("/window/authorisations", "/window/authorisations/lookup", "subject"),
                                ("/window/objections", "/window/objections/lookup", "code")):
        refused = client.post(action, data={"csrf_token": csrf_from(client, page), field: wrong})
        assert refused.status_code in (404, 422), (action, refused.status_code)
        assert f'value="{wrong}"' in refused.text, action
