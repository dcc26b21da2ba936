"""The organisation roles, declared once: the organisation kinds each role's accounts belong to,
and for every capability a module asks about, which roles have it and on what basis.

Every module derives its tuple of roles from ``roles_with(capability)``; none lists organisation
roles by hand (tests/test_org_roles.py scans for it). A new organisation role is one entry in
``ORG_ROLE_KINDS`` and a decision, with its basis, in every capability below — the test fails
until each is made. A basis cites the article it rests on; one that is platform design, not a
legal decision, says "platform:". Where a law profile also names organisation kinds for a
capability (``profile_kinds``), the profile narrows it per city and date, and the test checks
that it never admits a kind no role with the capability belongs to.
"""
from __future__ import annotations

import dataclasses

# role -> the organisation kinds its accounts belong to (users.agency_id -> agencies.kind)
ORG_ROLE_KINDS: dict[str, tuple[str, ...]] = {
    "agency": ("public_body", "credit_department"),   # staff of a public body (公共管理机构, QZ art. 2 para. 6)
    "judicial": ("judicial",),                        # staff of a judicial organ (司法机关)
    "credit_service": ("credit_service",),            # staff of a credit service agency (信用服务机构, QZ art. 2 para. 7)
    "financial": ("financial",),                      # staff of a financial institution (金融机构)
    "association": ("association",),                  # staff of an industry association (行业协会商会)
    "enterprise": ("enterprise",),                    # staff of an enterprise or institution providing market
                                                      # credit information (企业事业单位, QZ art. 12)
}
ORG_ROLES: tuple[str, ...] = tuple(ORG_ROLE_KINDS)

# the written authorisation that opens a subject's non-public information to any organisation
_AUTHORISED = "QZ art. 33; FZ art. 13 para. 3 (on the subject's written authorisation)"
_OWN_STEPS = "QZ art. 34 (objections routed to it, answered within the objection deadline)"
_ADDRESSEE = "platform: an addressee reads the written decisions addressed to it (QZ art. 23 para. 2, 34)"


@dataclasses.dataclass(frozen=True)
class Capability:
    """What the capability lets a role do; ``allow``/``deny``: role -> the basis of the decision."""
    meaning: str
    allow: dict[str, str]
    deny: dict[str, str]
    profile_kinds: tuple[str, str] | None = None   # (rule key, value field) naming organisation kinds


CAPABILITIES: dict[str, Capability] = {
    "query_credit_information": Capability(
        "asks the query gate for a subject's credit information; the gate still wants a basis "
        "(authorisation, published query item or legal basis) for anything non-public",
        allow={
            "agency": "FZ art. 13 para. 2 (administrative organs query by law, for published query items); QZ art. 11",
            "judicial": "FZ art. 13 para. 2 (judicial organs may query by law)",
            "credit_service": _AUTHORISED + "; FZ art. 26",
            "financial": _AUTHORISED + "; QZ art. 19 para. 2; FZ art. 19",
            "association": _AUTHORISED + "; QZ art. 29",
            "enterprise": _AUTHORISED + "; QZ art. 28 para. 2 (business entities judge others' credit)",
        },
        deny={}),
    "obtain_special_report": Capability(
        "asks for a special credit report (专项信用报告) on a subject, given on its written authorisation",
        allow={
            "agency": "QZ art. 11 (public bodies use credit reports in procurement, approvals, market access)",
            "judicial": "QZ art. 11 (state organs are public bodies, QZ art. 2 para. 6); " + _AUTHORISED,
            "credit_service": _AUTHORISED,
            "financial": _AUTHORISED + "; QZ art. 19 para. 2",
            "association": _AUTHORISED,
            "enterprise": _AUTHORISED + "; QZ art. 28 para. 2 (business entities use credit reports)",
        },
        deny={}),
    "receive_feed": Capability(
        "receives the change feed as a receiving system, acknowledging within the feed deadline",
        allow={
            "agency": "FZ art. 7; QZ art. 10 para. 3 (state organs and sector platforms share with the platform)",
            "judicial": "FZ art. 7 (state organs share with the platform)",
            "credit_service": "QZ art. 36 para. 2 (stops publishing within 3 working days); FZ art. 8",
            "financial": "FZ art. 8 (the platform shares with financial institutions)",
            "association": "FZ art. 8 (the platform shares with associations and chambers)",
        },
        deny={
            "enterprise": "FZ art. 8 names the market bodies the platform shares with (financial institutions, "
                          "credit service agencies, associations); an enterprise providing market information "
                          "(QZ art. 12) is not among them and reads others' information through the query gate "
                          "(QZ art. 33)",
        },
        profile_kinds=("feed.receivers", "receiver_kinds")),
    "provide_market_information": Capability(
        "applies to provide market credit information and, once approved, sends it",
        allow={
            "credit_service": "QZ art. 12 para. 1-2; FZ art. 10",
            "financial": "QZ art. 12 para. 1-2 (其他企业事业单位); FZ art. 8, 10",
            "association": "QZ art. 12 para. 1-2; FZ art. 10",
            "enterprise": "QZ art. 12 para. 1-2; FZ art. 10",
        },
        deny={
            "agency": "QZ art. 2 para. 4: what a public body produces is public credit information, aggregated "
                      "under QZ art. 10, not market information",
            "judicial": "QZ art. 2 para. 4, 6: a state organ's information is public credit information "
                        "(QZ art. 10), not market information",
        },
        profile_kinds=("market.providers", "org_kinds")),
    "answer_objections": Capability(
        "is the source its records' objections are routed to: reads, verifies and decides them",
        allow={
            "agency": "QZ art. 34 para. 1; QZ art. 23 para. 1; FZ art. 25",
            "judicial": "QZ art. 34 para. 1 (objections go to the public body concerned; state organs are "
                        "public bodies, QZ art. 2 para. 6); FZ art. 25",
            "credit_service": "QZ art. 34 para. 2 (market information providers run their objection channels)",
            "financial": "QZ art. 34 para. 2",
            "association": "QZ art. 34 para. 2",
            "enterprise": "QZ art. 34 para. 2",
        },
        deny={}),
    "organisation_deadlines": Capability(
        "sees its organisation's queue of procedure steps with their statutory deadlines",
        allow={
            "agency": "QZ art. 23 para. 1, 34, 36 para. 1 (objection, listing and repair deadlines of its steps)",
            "judicial": _OWN_STEPS,
            "credit_service": _OWN_STEPS + "; QZ art. 36 para. 2",
            "financial": _OWN_STEPS,
            "association": _OWN_STEPS,
            "enterprise": _OWN_STEPS,
        },
        deny={}),
    "organisation_documents": Capability(
        "reads the written decisions the platform issued to its organisation",
        allow={"agency": _ADDRESSEE, "judicial": _ADDRESSEE, "credit_service": _ADDRESSEE, "financial": _ADDRESSEE,
               "association": _ADDRESSEE, "enterprise": _ADDRESSEE},
        deny={}),
}


def roles_with(capability: str) -> tuple[str, ...]:
    """The organisation roles that have ``capability``, in declaration order."""
    allowed = CAPABILITIES[capability].allow
    return tuple(role for role in ORG_ROLES if role in allowed)


def kinds_with(capability: str) -> frozenset[str]:
    """The organisation kinds whose accounts have ``capability`` (for checking the profiles)."""
    return frozenset(kind for role in roles_with(capability) for kind in ORG_ROLE_KINDS[role])
