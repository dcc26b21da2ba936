"""Pure rules of bulletins: paragraphs, same-site links, attachment checks (by content)."""
from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from xinyong.bulletins import rules
from xinyong.law import load_profile

POLICY = rules.policy(load_profile("quanzhou"), dt.date(2026, 6, 1))
PDF_HEAD = b"%PDF-1.4\n"


@given(st.lists(st.text(alphabet="通知公告ab <>&\n", min_size=1, max_size=30), min_size=1, max_size=6))
def test_paragraphs_keep_every_word_and_never_an_empty_one(blocks):
    body = "\n\n".join(blocks)
    paras = rules.paragraphs(body)
    assert all(p.strip() for p in paras)
    assert "".join("".join(p.split()) for p in paras) == "".join(body.split())


@given(st.text(max_size=60))
def test_a_related_page_is_a_path_of_this_site_or_refused(path):
    problem = rules.bulletin_problem(POLICY, category="notice", title="标题", body="正文", related_path=path)
    accepted = problem is None
    if path and accepted:
        assert path.startswith("/") and not path.startswith("//") and ":" not in path and "\\" not in path


def test_known_paths_and_outside_addresses():
    ok = lambda p: rules.bulletin_problem(POLICY, category="policy", title="t", body="b", related_path=p) is None
    assert ok("/measures") and ok("/lists/black") and ok("/publicity?item=penalty") and ok("")
    assert not ok("https://example.com/") and not ok("//example.com") and not ok("javascript:alert(1)")


@given(st.binary(max_size=16), st.sampled_from(["a.pdf", "a.png", "a.jpg", "a.exe", "a.html"]))
def test_an_attachment_is_accepted_only_when_its_name_and_content_agree(head, name):
    check = rules.check_attachments(POLICY, [rules.UploadFile(name, 100, head)])
    if check.problem is None:
        kind = name.rsplit(".", 1)[1]
        assert kind in POLICY.types and check.content_types == [POLICY.types[kind]]
        assert head.startswith({"pdf": b"%PDF-", "png": b"\x89PNG", "jpg": b"\xff\xd8\xff"}[kind])


def test_limits_come_from_the_profile_with_their_citation():
    too_big = rules.check_attachments(POLICY, [rules.UploadFile("a.pdf", POLICY.max_file_bytes + 1, PDF_HEAD)])
    assert too_big.problem.code == "file_too_large" and "第十条第二款" in too_big.problem.citation
    assert rules.check_attachments(POLICY, [rules.UploadFile("a.pdf", POLICY.max_file_bytes, PDF_HEAD)]).problem is None
    fz = rules.policy(load_profile("fuzhou"), dt.date(2020, 1, 1))
    assert "第六条" in fz.citation and set(fz.categories) == {"notice", "policy"}


@given(st.sampled_from(["draft", "published", "withdrawn"]), st.dates(), st.dates())
def test_public_view_is_published_and_from_its_day(status, day, today):
    assert rules.in_public_view(status, day, today) == (status == "published" and day <= today)


def test_a_safe_filename_has_no_directory_or_quotes():
    assert rules.safe_filename('../../etc/pa"ss<wd>.pdf') == "passwd.pdf"
    assert rules.safe_filename("C:\\tmp\\附件.pdf") == "附件.pdf"
    assert rules.safe_filename("...") == "attachment"
