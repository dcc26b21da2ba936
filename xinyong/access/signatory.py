"""Who signed a written authorisation, pure (FZ art. 13 para. 3: 本人书面授权; QZ art. 33: 书面同意授权).

A written authorisation is only as good as its signature: the platform records who signed for
the subject and in what capacity, so a query's basis can be checked later. A natural person
signs for themself (or an agent does, with the power of attorney on file); an organisation
signs through its legal representative, or through an agent with the power of attorney."""
from __future__ import annotations

CAPACITIES = ("self", "legal_representative", "agent")
CAPACITY_NAMES = {"self": ("本人", "the subject in person"), "legal_representative": ("法定代表人", "legal representative"),
                  "agent": ("委托代理人", "agent under a power of attorney")}
PERSON_KINDS = ("natural_person",)
MAX_POA_BYTES = 5 * 1024 * 1024
SIGNATURES = {"application/pdf": b"%PDF-", "image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
CITATION = "FZ art. 13 para. 3; QZ art. 33"


def poa_type(data: bytes) -> str | None:
    """The content type of a power of attorney by its bytes (PDF, JPG, PNG), None otherwise."""
    return next((t for t, sig in SIGNATURES.items() if data.startswith(sig)), None)


def signatory_problem(subject_kind: str, registered_rep: str | None, name: str, capacity: str,
                      power_of_attorney: bytes | None) -> tuple[str, str, str] | None:
    """(field, en, zh) of what is wrong with the signature of an authorisation, or None."""
    name = name.strip()
    if not name:
        return ("signatory_name", f"record who signed the written authorisation ({CITATION})",
                f"请填写签署书面授权的人（{CITATION}）")
    if capacity not in CAPACITIES:
        return ("signatory_capacity", "choose the signatory's capacity: the subject in person, its legal "
                "representative, or an agent with a power of attorney", "请选择签署人身份：本人、法定代表人或委托代理人")
    person = subject_kind in PERSON_KINDS
    if person and capacity == "legal_representative":
        return ("signatory_capacity", "a natural person signs in person or through an agent",
                "自然人由本人或者委托代理人签署")
    if not person and capacity == "self":
        return ("signatory_capacity", "an organisation signs through its legal representative or an agent",
                "单位由法定代表人或者委托代理人签署")
    if capacity == "legal_representative" and registered_rep and name != registered_rep.strip():
        return ("signatory_name", "the signatory is not the registered legal representative; an agent signs "
                "with a power of attorney", "签署人不是登记的法定代表人；他人签署的，须提交授权委托书")
    if capacity == "agent":
        if not power_of_attorney:
            return ("power_of_attorney", "an agent signs only with the power of attorney uploaded",
                    "委托代理人签署的，须上传授权委托书")
        if len(power_of_attorney) > MAX_POA_BYTES or poa_type(power_of_attorney) is None:
            return ("power_of_attorney", "the power of attorney must be a PDF, JPG or PNG of at most 5 MiB",
                    "授权委托书须为不超过 5 MiB 的 PDF、JPG 或 PNG 文件")
    return None


def label(name: str | None, capacity: str | None, lang: str = "zh") -> str | None:
    """"王大明（法定代表人）" as the access log shows it; None for authorisations recorded before
    signatories were (the log says so rather than guess)."""
    if not name or capacity not in CAPACITY_NAMES:
        return None
    zh, en = CAPACITY_NAMES[capacity]
    return f"{name}（{zh}）" if lang == "zh" else f"{name} ({en})"
