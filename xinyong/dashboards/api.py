"""The dashboard's figures as JSON, for the credit department."""
from __future__ import annotations

from fastapi import APIRouter, Depends
from sqlalchemy.orm import Session

from xinyong.dashboards import service
from xinyong.dashboards.schemas import Summary
from xinyong.kit.access import Principal, allow
from xinyong.kit.web import get_session

router = APIRouter(tags=["dashboards 统计"])


@router.get("/api/v1/dashboards/summary", response_model=Summary)
def summary(principal: Principal = allow("staff", "admin"), session: Session = Depends(get_session)):
    """Volumes by source and item, per-agency data quality, procedure counts, deadline compliance
    and overdue feed acknowledgements — each aggregated in SQL; see `definitions`."""
    return service.summary(session)
