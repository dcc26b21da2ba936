"""Example batch files of the demo city: one per ingestible item, CSV and XLSX, written by the
template code (xinyong/catalogue/template_files.py) in the market regulator's name into
``<XINYONG_DATA_DIR>/demo/examples/``, so a first upload — on /batches, where the same files
are offered for download, or with `xinyong ingest` — is not a guess. Rewritten on every run
(their dates follow the platform's today)."""
from __future__ import annotations

import os
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from xinyong.catalogue import get_catalogue
from xinyong.catalogue.template_files import FORMATS, Sender, example_batch, filename
from xinyong.models import Agency, User

SENDER = "agency-scjg"


def folder() -> Path:
    return Path(os.environ.get("XINYONG_DATA_DIR") or "var") / "demo" / "examples"


def load(session: Session, ctx) -> list[str]:
    user = session.scalar(select(User).where(User.username == SENDER))
    agency = session.get(Agency, user.agency_id) if user is not None and user.agency_id else None
    if agency is None:
        return ["", f"Example batches: no {SENDER} account, none written"]
    out = folder()
    out.mkdir(parents=True, exist_ok=True)
    sender = Sender(agency.name, agency.uscc)
    # public credit information an agency sends; market information comes from a provider under
    # authorisations (xinyong.demo.market), not in an agency's name
    items = [i for i in get_catalogue().ingestible if i.source == "public"]
    for item in items:
        for fmt in FORMATS:
            (out / filename(item, fmt, "example")).write_bytes(example_batch(item, fmt, ctx.today, sender))
    first = items[0]
    return ["", f"Example batches (one per item, CSV and XLSX, in {agency.name}'s name): {out}/",
            f"  upload one at /batches as {SENDER} (also offered there for download), or: xinyong ingest "
            f"{out / filename(first, 'csv', 'example')} --source {agency.uscc} --item {first.code}"]
