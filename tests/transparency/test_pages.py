"""The public pages link to the transparency log from the footer, in Chinese and English."""
from __future__ import annotations


def test_the_footer_of_public_pages_links_to_the_transparency_log(db, client):
    for path in ("/", "/catalogue", "/verify"):
        page = client.get(path)
        assert page.status_code == 200 and '<a href="/transparency">审计日志透明公示</a>' in page.text, path
    assert '<a href="/transparency">Transparency log</a>' in client.get("/?lang=en").text
    assert client.get("/transparency").status_code == 200
