#!/usr/bin/env python3
"""Check Xinyong's public transparency log without trusting the platform's code.

Needs only the Python standard library and `cryptography` (Ed25519). It never imports the
platform. Every SOURCE is a file path or an http(s) URL.

    verify_log.py sth SOURCE --keys KEYS
        the signed tree head's Ed25519 signature, by a key in KEYS (keys.json, or
        /api/v1/transparency/keys, or --public-key BASE64)
    verify_log.py inclusion --sth SOURCE --proof SOURCE [--leaf-file FILE] --keys KEYS
        a leaf is in the tree of the head (proof: /api/v1/transparency/proof/inclusion?...)
    verify_log.py report REPORT.pdf --proof SOURCE --keys KEYS
        a downloaded credit report is in the log: its SHA-256 is in the issuance entry, the
        entry is a leaf of the signed tree (proof: /api/v1/transparency/reports/CODE)
    verify_log.py record --proof SOURCE [--record ID] --keys KEYS
        a record's publication (proof: /api/v1/transparency/records/ID): its leaf is in the
        sub-tree whose root its batch's log entry carries, and that entry is in the signed tree.
        Leaf version 1 hashes the content as published; version 2 (current) blinds that hash
        with a secret of the platform's, so no one can test guesses of masked data against it
    verify_log.py consistency --old SOURCE --new SOURCE --proof SOURCE --keys KEYS
        the older head's tree is a prefix of the newer one's (nothing rewritten or removed)
    verify_log.py audit-dump DUMP --archive DIR_OR_URL --keys KEYS [--sth SOURCE]
        a dump of the whole log (`xinyong audit export`) against the published heads and
        leaf hashes of the archive: names the first entry that is not the one published

Exit status 0 when everything checks, 1 naming what does not, 2 on unusable input.
Hashing is RFC 9162 section 2.1: leaf SHA-256(0x00 || entry), node SHA-256(0x01 || l || r).
"""
from __future__ import annotations

import argparse
import base64
import hashlib
import json
import sys
import urllib.request
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

EMPTY_ROOT = hashlib.sha256(b"").digest()
# a record's publication leaf, by its "v": what its content_sha256 is
PUBLICATION_CONTENT = {1: "content SHA-256", 2: "blinded content SHA-256"}


class Failed(Exception):
    """A check did not pass (exit 1)."""


# ---- RFC 9162 ------------------------------------------------------------------------------

def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def verify_inclusion(leaf: bytes, index: int, size: int, path: list, root: bytes) -> bool:
    """RFC 9162 2.1.3.2."""
    if not 0 <= index < size or len(leaf) != 32 or any(len(p) != 32 for p in path):
        return False
    fn, sn, r = index, size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            r = node_hash(r, p)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and r == root


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: list) -> bool:
    """RFC 9162 2.1.4.2."""
    if not 0 <= first <= second or any(len(p) != 32 for p in proof):
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    if first & (first - 1) == 0:
        proof = [first_root] + list(proof)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = proof[0]
    for c in proof[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(c, fr), node_hash(c, sr)
            while not fn & 1 and fn:
                fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, c)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == first_root and sr == second_root


class Frontier:
    """Roots of a growing tree in O(log n) memory."""

    def __init__(self):
        self.size, self.stack = 0, []

    def append(self, leaf: bytes) -> None:
        level, h = 0, leaf
        while self.stack and self.stack[-1][0] == level:
            h = node_hash(self.stack.pop()[1], h)
            level += 1
        self.stack.append((level, h))
        self.size += 1

    def root(self) -> bytes:
        if not self.stack:
            return EMPTY_ROOT
        acc = self.stack[-1][1]
        for _, h in reversed(self.stack[:-1]):
            acc = node_hash(h, acc)
        return acc


# ---- signed tree heads ---------------------------------------------------------------------

def read(source: str) -> bytes:
    if source.startswith(("http://", "https://")):
        with urllib.request.urlopen(source, timeout=60) as response:  # noqa: S310 (the user's URL)
            return response.read()
    return Path(source).read_bytes()


def read_json(source: str) -> dict:
    try:
        return json.loads(read(source))
    except (OSError, ValueError) as exc:
        raise SystemExit(f"cannot read {source}: {exc}") from None


def sth_payload(head: dict) -> bytes:
    body = {"v": head["v"], "tree_size": head["tree_size"], "root_hash": head["root_hash"],
            "timestamp": head["timestamp"], "key_id": head["key_id"]}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def load_keys(args) -> dict:
    raws = [args.public_key] if getattr(args, "public_key", None) else [
        k["public_key"] for k in read_json(args.keys)["keys"]]
    keys = {}
    for raw in raws:
        public = base64.b64decode(raw, validate=True)
        keys[hashlib.sha256(public).hexdigest()] = Ed25519PublicKey.from_public_bytes(public)
    return keys


def check_sth(head: dict, keys: dict) -> dict:
    key = keys.get(head.get("key_id"))
    if key is None:
        raise Failed(f"head of size {head.get('tree_size')}: signed by key {head.get('key_id')}, which is not "
                     "among the public keys given")
    try:
        key.verify(base64.b64decode(head["signature"], validate=True), sth_payload(head))
    except (InvalidSignature, ValueError, KeyError):
        raise Failed(f"head of size {head.get('tree_size')}: the signature does not verify") from None
    return head


def _hexes(values) -> list:
    return [bytes.fromhex(v) for v in values]


# ---- commands ------------------------------------------------------------------------------

def cmd_sth(args) -> str:
    head = check_sth(read_json(args.source), load_keys(args))
    return f"OK: signed tree head of size {head['tree_size']}, root {head['root_hash']}, at {head['timestamp']}"


def _inclusion(head: dict, proof: dict, leaf: bytes) -> None:
    if proof["tree_size"] != head["tree_size"]:
        raise Failed(f"the proof is for a tree of size {proof['tree_size']}, the head has size {head['tree_size']}")
    if not verify_inclusion(leaf, proof["leaf_index"], proof["tree_size"], _hexes(proof["audit_path"]),
                            bytes.fromhex(head["root_hash"])):
        raise Failed(f"leaf {proof['leaf_index']} is NOT in the tree of size {head['tree_size']} (the proof fails)")


def cmd_inclusion(args) -> str:
    head = check_sth(read_json(args.sth), load_keys(args))
    proof = read_json(args.proof)
    leaf = leaf_hash(Path(args.leaf_file).read_bytes().rstrip(b"\n")) if args.leaf_file else \
        bytes.fromhex(proof["leaf_hash"])
    _inclusion(head, proof, leaf)
    return f"OK: leaf {proof['leaf_index']} is in the signed tree of size {head['tree_size']}"


def cmd_report(args) -> str:
    digest = hashlib.sha256(Path(args.pdf).read_bytes()).hexdigest()
    bundle = read_json(args.proof)
    if bundle.get("status") == "pending":
        raise Failed("the report's entry is not in a published head yet: try again after the next head")
    head = check_sth(bundle["sth"], load_keys(args))
    entry = json.loads(bundle["leaf"])
    if entry.get("action") != "report.issue" or entry.get("details", {}).get("sha256") != digest:
        raise Failed(f"the log entry is not the issuance of this file (SHA-256 {digest})")
    _inclusion(head, bundle["inclusion"], leaf_hash(bundle["leaf"].encode("utf-8")))
    return (f"OK: the report (SHA-256 {digest}) was issued at {entry['at']} and is leaf "
            f"{bundle['inclusion']['leaf_index']} of the signed tree of size {head['tree_size']}")


def cmd_record(args) -> str:
    """A record's publication: its leaf is in the batch's sub-tree whose root the batch's
    log entry carries, and that entry is in the signed tree."""
    bundle = read_json(args.proof)
    if bundle.get("status") == "withheld":
        raise Failed(f"the platform withholds the proof of this publication (leaf version "
                     f"{bundle.get('leaf_version')!r}: its content hash is not blinded, so its hashes would "
                     "give masked data away)")
    if bundle.get("status") != "included" or "batch_entry" not in bundle:
        raise Failed(f"the record's publication is not under a published head (status {bundle.get('status')!r})")
    pub, found = bundle["publication"], bundle["batch_entry"]
    leaf = json.loads(pub["leaf"])
    if leaf.get("kind") != "record.publication" or leaf.get("v") not in PUBLICATION_CONTENT:
        raise Failed(f"not a record publication leaf this verifier knows (kind {leaf.get('kind')!r}, version "
                     f"{leaf.get('v')!r}): fetch the current verify_log.py")
    if args.record is not None and leaf.get("record") != args.record:
        raise Failed(f"the publication is of record {leaf.get('record')}, not of record {args.record}")
    entry = json.loads(found["leaf"])
    if (entry.get("action"), entry.get("target_id")) != ("batch.ingest", str(leaf.get("batch"))):
        raise Failed(f"the log entry is not the ingestion of batch {leaf.get('batch')}")
    details = entry.get("details", {})
    if details.get("records") != pub["batch_size"] or not verify_inclusion(
            leaf_hash(pub["leaf"].encode("utf-8")), pub["position"], pub["batch_size"], _hexes(pub["audit_path"]),
            bytes.fromhex(details.get("records_root", ""))):
        raise Failed(f"record {leaf.get('record')} is NOT among the {details.get('records')} publications of "
                     f"batch {leaf.get('batch')} (the proof fails against the entry's records_root)")
    head = check_sth(found["sth"], load_keys(args))
    _inclusion(head, found["inclusion"], leaf_hash(found["leaf"].encode("utf-8")))
    return (f"OK: record {leaf['record']} version {leaf['version']} ({PUBLICATION_CONTENT[leaf['v']]} "
            f"{leaf['content_sha256']}, "
            f"public {leaf['publicity_start']} to {leaf['publicity_end'] or 'open'}) is publication "
            f"{pub['position']} of batch {leaf['batch']}, whose entry is leaf {found['inclusion']['leaf_index']} "
            f"of the signed tree of size {head['tree_size']}")


def cmd_consistency(args) -> str:
    keys = load_keys(args)
    old, new = check_sth(read_json(args.old), keys), check_sth(read_json(args.new), keys)
    source = args.proof or (f"{args.base.rstrip('/')}/api/v1/transparency/proof/consistency?"
                            f"first={old['tree_size']}&second={new['tree_size']}")
    proof = read_json(source)
    if not verify_consistency(old["tree_size"], new["tree_size"], bytes.fromhex(old["root_hash"]),
                              bytes.fromhex(new["root_hash"]), _hexes(proof["consistency_path"])):
        raise Failed(f"the tree of size {old['tree_size']} is NOT a prefix of the tree of size {new['tree_size']}: "
                     "the log was rewritten")
    return f"OK: the tree of size {old['tree_size']} is a prefix of the tree of size {new['tree_size']}"


def _archive_heads(archive: str, keys: dict) -> list:
    if archive.startswith(("http://", "https://")):
        return [check_sth(read_json(f"{archive.rstrip('/')}/sth/latest.json"), keys)]
    heads = [json.loads(p.read_text(encoding="utf-8")) for p in (Path(archive) / "sth").glob("*.json")
             if p.stem.isdigit()]
    return sorted((check_sth(h, keys) for h in heads), key=lambda h: h["tree_size"])


def _archive_leaves(archive: str, upto: int) -> list:
    hashes: list = []
    if archive.startswith(("http://", "https://")):
        while len(hashes) < upto:  # the platform serves leaf hashes; the signed root checks them
            part = read_json(f"{archive.rstrip('/')}/leaf-hashes?start={len(hashes)}&end={upto}")["leaf_hashes"]
            if not part:
                break
            hashes.extend(part)
        return hashes
    spans = {}
    for p in (Path(archive) / "leaves").glob("*.txt"):
        start, _, end = p.stem.partition("-")
        spans[int(start)] = (int(end), p)
    while len(hashes) in spans and len(hashes) < upto:
        end, path = spans[len(hashes)]
        hashes.extend(path.read_text(encoding="utf-8").split())
    return hashes


def cmd_audit_dump(args) -> str:
    keys = load_keys(args)
    heads = [check_sth(read_json(args.sth), keys)] if args.sth else _archive_heads(args.archive, keys)
    if not heads:
        raise Failed("no signed tree head to check against")
    size = max(h["tree_size"] for h in heads)
    hashes = _archive_leaves(args.archive, size)
    frontier = Frontier()
    for head in sorted(heads, key=lambda h: h["tree_size"]):
        if len(hashes) < head["tree_size"]:
            raise Failed(f"the archive's leaf hashes stop at {len(hashes)}, before the head of size {head['tree_size']}")
        while frontier.size < head["tree_size"]:
            frontier.append(bytes.fromhex(hashes[frontier.size]))
        if frontier.root().hex() != head["root_hash"]:
            raise Failed(f"the archive's leaf hashes do not give the signed root of size {head['tree_size']}")
    lines = Path(args.dump).read_bytes().split(b"\n")
    for index in range(size):
        if index >= len(lines) or not lines[index]:
            raise Failed(f"FIRST BAD ENTRY: leaf {index} is missing from the dump (entries deleted); the signed head "
                         f"of size {size} covers it")
        if leaf_hash(lines[index]).hex() != hashes[index]:
            raise Failed(f"FIRST BAD ENTRY: leaf {index} is not the entry that was published: {_describe(lines[index])}")
    return f"OK: the first {size} entries of the dump are exactly those of the signed heads ({len(heads)} checked)"


def _describe(line: bytes) -> str:
    try:
        e = json.loads(line)
        return (f"chain {e.get('chain')}, seq {e.get('seq')}, at {e.get('at')}, actor {e.get('actor')!r}, "
                f"action {e.get('action')!r}, target {e.get('target_type')}:{e.get('target_id')}")
    except ValueError:
        return "(not an entry)"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)

    def keyed(p):
        group = p.add_mutually_exclusive_group(required=True)
        group.add_argument("--keys", help="keys.json or /api/v1/transparency/keys")
        group.add_argument("--public-key", help="one base64 raw Ed25519 public key")
        return p

    keyed(sub.add_parser("sth")).add_argument("source")
    p = keyed(sub.add_parser("inclusion"))
    p.add_argument("--sth", required=True), p.add_argument("--proof", required=True), p.add_argument("--leaf-file")
    p = keyed(sub.add_parser("report"))
    p.add_argument("pdf"), p.add_argument("--proof", required=True)
    p = keyed(sub.add_parser("record"))
    p.add_argument("--proof", required=True), p.add_argument("--record", type=int)
    p = keyed(sub.add_parser("consistency"))
    p.add_argument("--old", required=True), p.add_argument("--new", required=True)
    p.add_argument("--proof"), p.add_argument("--base", default="")
    p = keyed(sub.add_parser("audit-dump"))
    p.add_argument("dump"), p.add_argument("--archive", required=True), p.add_argument("--sth")
    args = parser.parse_args(argv)
    command = {"sth": cmd_sth, "inclusion": cmd_inclusion, "report": cmd_report, "record": cmd_record, "consistency": cmd_consistency,
               "audit-dump": cmd_audit_dump}[args.command]
    try:
        print(command(args))
    except Failed as exc:
        print(f"FAILED: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
