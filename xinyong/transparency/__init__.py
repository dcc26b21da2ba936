"""The public transparency log over the audit log (issue 12; QZ art. 14-15, FZ art. 12):
audit entries are the leaves of an RFC 9162 Merkle tree whose signed heads leave the
database (archive, public URLs), with inclusion and consistency proofs anyone can check
with tools/verify_log.py. See docs/TRANSPARENCY.md.

    from xinyong.transparency.worker import sequence_and_publish
    head = sequence_and_publish()   # the one call for any scheduler or worker
"""
