"""Sealed values (ARCHITECTURE.md "Guarantees that cut across features"), checked over all the
code: no module but a sealed kind's one opener reaches a sealed column; nothing but
xinyong/kit/sealed.py reaches the ciphertext inside a Sealed; only the registered module creates
an opener; the plain decrypt is imported only where the list below says why; references to a
sealed party are read only where they are matched against the caller's own pseudonym, and
given only as ``party_ref(...)``."""
from __future__ import annotations

import ast
import re
import pickle
from pathlib import Path

import pytest

from xinyong.kit import sealed
from xinyong.kit.sealed import OPENERS, Sealed, SealedBytes
from xinyong.models import Base

PACKAGE = Path(__file__).resolve().parent.parent / "xinyong"
OPENER_FILES = {m.removeprefix("xinyong.").replace(".", "/") + ".py" for m in OPENERS.values()}
# the plain decrypt: the sealed type itself, and key rotation (re-seals, shows nothing)
DECRYPT_ALLOWED = {"kit/sealed.py", "subjects/keys.py"}
# set-based bulk paths that write ciphertexts (sealed by the opener) from a staging table in
# one INSERT .. SELECT: they name the column in the INSERT only, never read it
BULK_WRITERS = {"subjects/repository.py"}
PARTY_REF_COLUMNS = ("addressee_ref", "recipient_ref")
PARTY_REF_ALLOWED = {"documents/repository.py", "documents/service.py", "notifications/service.py",
                     "subjects/keys.py"}


def sealed_columns() -> set[str]:
    return {c.name for t in Base.metadata.tables.values() for c in t.columns if isinstance(c.type, SealedBytes)}


def _sources():
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE).as_posix()
        yield rel, ast.parse(path.read_text(encoding="utf-8"))


def offences(rel: str, tree: ast.AST, columns: set[str]) -> list[str]:
    """Where one module reaches what only the sealed machinery may reach."""
    found = []
    in_models = rel.startswith("models/")
    for node in ast.walk(tree):
        where = f"{rel}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Attribute) and node.attr in columns and rel not in OPENER_FILES and not in_models:
            found.append(f"{where} reads sealed column .{node.attr}")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and rel not in OPENER_FILES \
                and not in_models and _names_column(node.value, columns) \
                and not (rel in BULK_WRITERS and node.value.lstrip().upper().startswith("INSERT INTO")):
            found.append(f"{where} names a sealed column in text")
        if isinstance(node, (ast.Name, ast.Attribute)) and getattr(node, "id", getattr(node, "attr", "")) in (
                "_ciphertext", "_OPENER") and rel != "kit/sealed.py" and rel not in OPENER_FILES:
            found.append(f"{where} reaches inside a sealed value or an opener")
        if isinstance(node, ast.Call) and _called(node) == "opener" and rel not in OPENER_FILES \
                and rel != "kit/sealed.py":
            found.append(f"{where} creates an opener")
        if isinstance(node, ast.ImportFrom) and node.module == "xinyong.kit.crypto" \
                and any(a.name == "decrypt" for a in node.names) and rel not in DECRYPT_ALLOWED:
            found.append(f"{where} imports the plain decrypt")
        if isinstance(node, ast.Attribute) and node.attr in PARTY_REF_COLUMNS and rel not in PARTY_REF_ALLOWED \
                and not in_models:
            found.append(f"{where} touches a sealed party reference")
        if isinstance(node, ast.keyword) and node.arg in PARTY_REF_COLUMNS and rel not in PARTY_REF_ALLOWED \
                and not (isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "party_ref"):
            found.append(f"{where} gives a sealed party reference that is not party_ref(...)")
    return found


def _names_column(text: str, columns: set[str]) -> bool:
    return any(re.search(rf"\b{re.escape(c)}\b", text) for c in columns)


def _called(call: ast.Call) -> str:
    f = call.func
    return f.attr if isinstance(f, ast.Attribute) and isinstance(f.value, ast.Name) and f.value.id == "sealed" \
        else (f.id if isinstance(f, ast.Name) and f.id == "opener" else "")


def test_the_complainant_identity_is_a_sealed_column():
    assert "identity_enc" in sealed_columns()


def test_resident_id_numbers_are_a_sealed_column_with_one_opener():
    assert "resident_id_enc" in sealed_columns()
    assert OPENERS["resident_id"] == "xinyong.subjects.opener"


def test_no_code_outside_the_openers_reaches_a_sealed_value():
    columns = sealed_columns()
    found = [o for rel, tree in _sources() for o in offences(rel, tree, columns)]
    assert found == []


@pytest.mark.parametrize("planted", [
    "def peek(c):\n    return c.identity_enc\n",
    "from sqlalchemy import text\nQ = text('SELECT identity_enc FROM complaints')\n",
    "from xinyong.kit import sealed\nx = sealed._ciphertext(v)\n",
    "def peek(s):\n    return s.resident_id_enc\n",
    "from sqlalchemy import text\nQ = text('SELECT id, resident_id_enc, name FROM subjects')\n",
    "from xinyong.kit import sealed\nmine = sealed.opener('resident_id', print)\n",
    "from xinyong.kit import sealed\nmine = sealed.opener('complainant', print)\n",
    "from xinyong.kit.crypto import decrypt\n",
    "def mine(p):\n    return Document.addressee_ref == p\n",
    "notify(session, kind='x', recipient_ref=str(user_id))\n",
])
def test_the_walk_catches_a_planted_offence(planted):
    assert offences("objections/service.py", ast.parse(planted), sealed_columns()) != []


def test_a_sealed_value_shows_nothing_and_opens_only_through_its_opener():
    value = Sealed(b"\x02\x01a" + b"0" * 40)
    assert str(value) == repr(value) == "<sealed>"
    with pytest.raises(TypeError):
        bytes(value)
    with pytest.raises(TypeError):
        pickle.dumps(value)
    with pytest.raises(AttributeError):
        value.x = 1
    assert value != Sealed(b"\x02\x01a" + b"0" * 40)          # no equality that leaks by comparison
    with pytest.raises(PermissionError):
        sealed.opener("complainant", lambda *a, **k: None)     # not the registered module
    with pytest.raises(PermissionError):
        sealed.opener("resident_id", lambda *a, **k: None)     # not the registered module


def test_the_registered_opener_exists_once():
    import xinyong.complaints.opener as registered  # noqa: F401 - creates the one opener
    assert "complainant" in sealed._registered
    with pytest.raises(PermissionError):
        exec(compile("from xinyong.kit import sealed\nsealed.opener('complainant', print)", "x", "exec"),
             {"__name__": OPENERS["complainant"]})


def test_a_sealed_column_refuses_plain_text():
    with pytest.raises(TypeError):
        SealedBytes().process_bind_param("王保密", None)
