"""Every action and target type the code records in the audit log has words (messages/audit_log.yaml):
the auditors' page offers its filters as a choice of them and shows them beside the codes."""
from __future__ import annotations

import ast
from pathlib import Path

from xinyong.web.i18n import messages

ROOT = Path(__file__).resolve().parents[2] / "xinyong"
# actions written through a variable or an f-string, by where they are made
COMPUTED = {"catalogue.local.added", "catalogue.local.changed", "catalogue.local.withdrawn", "complaint.reassigned",
            "complaint.reassignment_refused", "complaint.identity_viewed", "subject.resident_id_viewed",
            "user.enable", "user.disable", "user.password_reset"}


def _recorded() -> tuple[set[str], set[str]]:
    actions, targets = set(COMPUTED), {"credit_service_agency"}
    for path in ROOT.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", "")) == "record_event":
                if len(node.args) >= 3 and isinstance(node.args[2], ast.Constant):
                    actions.add(node.args[2].value)
                targets.update(k.value.value for k in node.keywords
                               if k.arg == "target_type" and isinstance(k.value, ast.Constant))
    return actions, targets


def test_every_recorded_action_and_target_type_has_words_in_both_languages():
    actions, targets = _recorded()
    assert len(actions) > 100 and len(targets) > 30, "record_event calls were not found"
    words = messages()
    missing = sorted(({f"audit.action.{a}" for a in actions} | {f"audit.target.{t}" for t in targets}) - set(words))
    assert not missing, f"audit codes without words (add them to messages/audit_log.yaml): {missing}"
