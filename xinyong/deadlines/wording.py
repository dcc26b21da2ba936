"""How deadlines are named to people: procedures and steps by their names in the UI messages
(deadlines.procedure_* / deadlines.step_*), never by their codes."""
from __future__ import annotations

from xinyong.web.i18n import translate


def procedure_name(procedure: str, lang: str = "zh") -> str:
    key = f"deadlines.procedure_{procedure}"
    name = translate(key, lang)
    return name if name != key else procedure


def step_name(step: str, lang: str = "zh") -> str:
    key = f"deadlines.step_{step}"
    name = translate(key, lang)
    return name if name != key else step


def matter(procedure: str, procedure_id: int, step: str, lang: str = "zh") -> str:
    """"信用修复事项（编号 7）“修复结果”步骤" / "step 'result' of credit repair #7"."""
    if lang == "zh":
        return f"{procedure_name(procedure)}事项（编号 {procedure_id}）“{step_name(step)}”步骤"
    return f"the {step_name(step, 'en')} step of {procedure_name(procedure, 'en').lower()} #{procedure_id}"
