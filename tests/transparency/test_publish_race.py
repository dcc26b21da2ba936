"""Publishing the latest head is one publisher at a time across processes and nodes (issue 16
point 2): a publisher waits for a sequencer in flight, then publishes the newest head, so the
archive's latest head never moves back and a newer archive is never taken for a database
rolled back."""
from __future__ import annotations

import threading

import pytest

from tests.audit.helpers import seed
from xinyong.db import session_factory, session_scope
from xinyong.transparency import archive, repository, service
from xinyong.transparency.worker import publish_latest, sequence_and_publish


@pytest.mark.parametrize("backend", ["postgresql"])   # several nodes share a server database
def test_a_publisher_waits_for_the_sequencer_in_flight_and_publishes_the_newest_head(db, session):
    seed(session, 3)
    assert sequence_and_publish(engine=db).tree_size == 3
    seed(session, 2)
    with session_scope(db) as s:
        service.sequence(s)                      # head 5 signed, not yet published
    other_node = session_factory(db)()
    repository.lock_state(other_node)            # another node sequencing right now
    published = []
    publisher = threading.Thread(target=lambda: published.append(_publish(db)))
    publisher.start()
    publisher.join(1.0)
    assert publisher.is_alive() and published == []   # it waits instead of publishing head 5 now
    seed(session, 2)
    assert service.sequence(other_node).tree_size == 7
    other_node.commit()
    other_node.close()
    publisher.join(30)
    assert published == [7] and archive.archived_heads()[-1].tree_size == 7


def _publish(engine) -> int:
    with session_scope(engine) as s:
        return publish_latest(s).tree_size
