"""Staff keep the local supplementary catalogue: add, change, withdraw; every change a version
with who, when and why, and an audit entry. The definition is checked exactly as a catalogue file
is (xinyong.catalogue.local.rules), against the file catalogue it may not shadow."""
from __future__ import annotations

from sqlalchemy.orm import Session

from xinyong import clock
from xinyong.audit import record_event
from xinyong.catalogue.loader import CatalogueItem, file_catalogue
from xinyong.catalogue.local import merge, repository, rules
from xinyong.kit.access import Principal
from xinyong.kit.errors import Conflict, InvalidInput, NotFound
from xinyong.models.local_catalogue import LocalCatalogueItem, LocalCatalogueVersion

MAX_REASON = 1000


def check_definition(definition: object) -> CatalogueItem:
    files = file_catalogue()
    item = rules.item_from_definition(definition, files, merge.reference_rules(files), merge.names_en())
    _refuse_forbidden(item)
    return item


def _refuse_forbidden(item: CatalogueItem) -> None:
    """A local item may not be made to collect what the law forbids (FZ art. 11 para. 3; QZ
    data.forbidden): a field whose name or whose coded values name a forbidden class (信教情况,
    ABO分组 with A/B/AB/O, 身体状况) is refused with the item, as a batch with such a column is."""
    from xinyong.law.loader import active_profile
    from xinyong.kit.text import forbidden_data
    screen = forbidden_data(active_profile().rule("data.forbidden", clock.today()))
    hits = []
    for f in item.fields:
        cls = screen.header_hit(f.header_zh) or screen.header_hit(f.code) or next(
            (c for v in f.codes for c in screen.value_hits(v)), None)
        if cls is not None:
            hits.append(f"{f.header_zh}（{cls.zh}）")
    if hits:
        raise InvalidInput(f"字段属于禁止采集的信息：{'、'.join(hits)}（{screen.citation}）", field="fields",
                           code="forbidden_data",
                           message_en=f"fields hold data the law forbids to collect: {', '.join(hits)} ({screen.citation})")


def add(session: Session, actor: Principal, definition: dict, reason: str) -> LocalCatalogueVersion:
    reason = _reason(reason)
    item = check_definition(definition)
    if repository.item(session, item.code) is not None:
        raise Conflict(f"地方补充目录中已有信息项 {item.code}，请修改该项", field="code",
                       message_en=f"the local catalogue already has item {item.code}; change it instead")
    now = clock.now()
    session.add(LocalCatalogueItem(code=item.code, status="active", current_version=1, updated_at=now))
    session.flush()
    return _version(session, actor, item.code, 1, "added", definition, reason, now)


def change(session: Session, actor: Principal, code: str, definition: dict, reason: str) -> LocalCatalogueVersion:
    reason = _reason(reason)
    head = _head(session, code)
    item = check_definition(definition)
    if item.code != code:
        raise InvalidInput("信息项代码不可更改", field="code", message_en="an item's code cannot change")
    action = "restored" if head.status == "withdrawn" else "changed"
    return _advance(session, actor, head, action, definition, reason)


def withdraw(session: Session, actor: Principal, code: str, reason: str) -> LocalCatalogueVersion:
    """The item takes no new batch; records already ingested under it stay, with their version."""
    reason = _reason(reason)
    head = _head(session, code)
    if head.status == "withdrawn":
        raise Conflict("该信息项已撤销", message_en="the item is already withdrawn")
    definition = repository.versions(session, code)[-1].definition
    return _advance(session, actor, head, "withdrawn", definition, reason)


def history(session: Session, code: str) -> list[dict]:
    """Every version, oldest first, each with what it changed against the one before."""
    _head(session, code)
    out, before = [], None
    for v in repository.versions(session, code):
        out.append({"version": v.version, "action": v.action, "reason": v.reason, "author": v.author_name,
                    "created_at": v.created_at, "definition": v.definition, "changes": rules.diff(before, v.definition)})
        before = v.definition
    return out


def _head(session: Session, code: str) -> LocalCatalogueItem:
    if any(i.code == code for i in file_catalogue().items):
        raise rules.ShadowsNationalItem(f"{code} 是国家目录（目录文件）中的信息项，不能在地方补充目录中修改或撤销",
                                        field="code", message_en=f"{code} is a national (file) catalogue item; it "
                                                                 "cannot be changed or withdrawn in the local catalogue")
    head = repository.item(session, code, lock=True)
    if head is None:
        raise NotFound("地方补充目录中没有该信息项", message_en=f"no local catalogue item {code!r}")
    return head


def _advance(session, actor, head: LocalCatalogueItem, action: str, definition: dict, reason: str):
    now = clock.now()
    head.current_version += 1
    head.status = "withdrawn" if action == "withdrawn" else "active"
    head.updated_at = now
    session.flush()
    return _version(session, actor, head.code, head.current_version, action, definition, reason, now)


def _version(session, actor: Principal, code: str, version: int, action: str, definition: dict,
             reason: str, now) -> LocalCatalogueVersion:
    row = LocalCatalogueVersion(code=code, version=version, action=action, definition=definition, reason=reason,
                                author_id=actor.user_id, author_name=(actor.username or "system")[:200],
                                created_at=now)
    session.add(row)
    repository.touch(session)
    from xinyong.catalogue.local.merge import CHANGED
    session.info[CHANGED] = True      # this node sees it at once after the commit; others within a second
    record_event(session, actor, f"catalogue.local.{action}", target_type="local_catalogue_item", target_id=code,
                 details={"version": version, "reason": reason})
    return row


def _reason(reason: str | None) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise InvalidInput("请填写变更理由", field="reason", message_en="give the reason for the change")
    if len(reason) > MAX_REASON:
        raise InvalidInput(f"变更理由不超过 {MAX_REASON} 字", field="reason",
                           message_en=f"the reason is at most {MAX_REASON} characters")
    return reason
