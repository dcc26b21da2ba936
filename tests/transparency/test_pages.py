"""The public pages link to the transparency log from the footer, in Chinese and English."""
from __future__ import annotations


def test_the_footer_of_public_pages_links_to_the_transparency_log(db, client):
    for path in ("/", "/catalogue", "/verify"):
        page = client.get(path)
        assert page.status_code == 200 and '<a href="/transparency">审计日志透明公示</a>' in page.text, path
    assert '<a href="/transparency">Transparency log</a>' in client.get("/?lang=en").text
    assert client.get("/transparency").status_code == 200


def test_the_verifier_the_page_names_can_be_downloaded_from_it(db, client):
    # the demo audit: the page said "下载 tools/verify_log.py" and nothing could be downloaded
    from tests.transparency.standalone import TOOL
    page = client.get("/transparency").text
    assert 'href="/transparency/verify_log.py"' in page
    got = client.get("/transparency/verify_log.py")
    assert got.status_code == 200 and got.content == TOOL.read_bytes()   # the same verifier as tools/
    assert "attachment" in got.headers["content-disposition"] and got.headers["content-type"].startswith("text/x-python")
    assert client.post("/transparency/verify_log.py").status_code == 405
