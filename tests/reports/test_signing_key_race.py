"""Processes that find no report signing key at once (workers of one node, web nodes sharing
the data directory: issue 16 point 2) end with ONE key pair: one of them makes it, the others
find it, and the certificate published is the key's own."""
from __future__ import annotations

import multiprocessing

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from xinyong.reports import signing


def _make(barrier, out) -> None:
    barrier.wait(timeout=60)
    made = signing.keygen()
    out.put(made.created)


def test_processes_racing_for_a_first_key_end_with_one_matching_pair(tmp_path, monkeypatch):
    monkeypatch.setenv("XINYONG_DATA_DIR", str(tmp_path))
    context = multiprocessing.get_context("fork")
    barrier, out = context.Barrier(3), context.Queue()
    racers = [context.Process(target=_make, args=(barrier, out)) for _ in range(3)]
    for racer in racers:
        racer.start()
    created = [out.get(timeout=120) for _ in racers]
    for racer in racers:
        racer.join(30)
    assert sorted(created) == [False, False, True] and all(r.exitcode == 0 for r in racers)
    directory = signing.key_dir()
    key = serialization.load_pem_private_key((directory / signing.KEY_FILE).read_bytes(), password=signing._password())
    cert = x509.load_pem_x509_certificate((directory / signing.CERT_FILE).read_bytes())
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert sorted(p.name for p in directory.iterdir()) == [".keygen.lock", signing.CERT_FILE, signing.KEY_FILE]
