"""Catalogue entries keep every version, with who changed them and why (shared history)."""
from __future__ import annotations

import dataclasses

from sqlalchemy import select

from xinyong.catalogue import get_catalogue
from xinyong.catalogue.loader import Catalogue
from xinyong.catalogue.service import sync
from xinyong.kit.access import Principal
from xinyong.models import AuditEntry, CatalogueEntry

ADMIN = Principal(user_id=None, username="cli:ops", role="admin")


def _with_penalty_renamed(name: str) -> Catalogue:
    cat = get_catalogue()
    items = [dataclasses.replace(i, name_zh=name) if i.code == "penalty" else i for i in cat.items]
    return dataclasses.replace(cat, items=items)


def test_sync_records_new_changed_and_retired_entries_once(session, client):
    first = sync(session, actor=ADMIN, reason="initial load")
    assert first["added"] == len(get_catalogue().items) and first["changed"] == 0
    assert sync(session, actor=ADMIN, reason="again")["unchanged"] == first["added"]
    renamed = _with_penalty_renamed("行政处罚信息")
    changed = sync(session, actor=ADMIN, reason="国家目录2026版更名", catalogue=renamed)
    assert changed["changed"] == 1
    cat = renamed
    fewer = dataclasses.replace(cat, items=[i for i in cat.items if i.code != "honour"])
    assert sync(session, actor=ADMIN, reason="retire honours", catalogue=fewer)["retired"] == 1
    session.commit()
    penalty = session.scalar(select(CatalogueEntry).where(CatalogueEntry.code == "penalty"))
    assert penalty.version == 2 and penalty.name_zh == "行政处罚信息"
    versions = client.get("/api/v1/catalogue/penalty/versions").json()
    assert [v["version"] for v in versions] == [1, 2]
    assert versions[0]["change_reason"] == "国家目录2026版更名" and versions[1]["change_reason"] is None
    assert session.scalars(select(AuditEntry).where(AuditEntry.action == "catalogue.sync")).all()
    assert client.get("/api/v1/catalogue/nothing/versions").status_code == 404
