"""The UI messages are loaded from several YAML files (xinyong/web/i18n.py): a key written twice
in one file is refused when they load, as one defined in two files is (PyYAML alone would keep
the last one silently, and the first wording would be lost without a word)."""
from __future__ import annotations

import pytest
import yaml

from xinyong.web import i18n


@pytest.fixture
def catalogue(tmp_path, monkeypatch):
    """Messages read from a temporary directory instead of the shipped ones."""
    (tmp_path / "messages").mkdir()
    monkeypatch.setattr(i18n, "MESSAGES_FILE", tmp_path / "messages.yaml")
    monkeypatch.setattr(i18n, "MESSAGES_DIR", tmp_path / "messages")
    (tmp_path / "messages.yaml").write_text("site.title: {zh: 信用, en: Credit}\n", encoding="utf-8")
    i18n.messages.cache_clear()
    yield tmp_path
    i18n.messages.cache_clear()


def test_distinct_keys_load(catalogue):
    (catalogue / "messages" / "a.yaml").write_text("a.one: {zh: 一, en: One}\na.two: {zh: 二, en: Two}\n",
                                                    encoding="utf-8")
    assert i18n.translate("a.two", "en") == "Two" and i18n.translate("site.title") == "信用"


def test_a_key_defined_twice_in_one_file_is_refused(catalogue):
    (catalogue / "messages" / "a.yaml").write_text(
        "a.one: {zh: 一, en: One}\na.two: {zh: 二, en: Two}\na.one: {zh: 壹, en: The first}\n", encoding="utf-8")
    with pytest.raises(yaml.YAMLError, match="duplicate key 'a.one'"):
        i18n.messages()


def test_a_key_defined_in_two_files_is_refused(catalogue):
    (catalogue / "messages" / "a.yaml").write_text("a.one: {zh: 一, en: One}\n", encoding="utf-8")
    (catalogue / "messages" / "b.yaml").write_text("a.one: {zh: 壹, en: The first}\n", encoding="utf-8")
    with pytest.raises(ValueError, match="already defined"):
        i18n.messages()


def test_the_shipped_messages_load():
    i18n.messages.cache_clear()
    assert len(i18n.messages()) > 100
