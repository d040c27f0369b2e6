"""Named locks kept in a shared store, for every process (and host) that writes to it.

A claim is a holder triple added by a conditional update (`INSERT ... WHERE NOT EXISTS`),
then read back: the claimant holds the lock when its own holder is the only one there. Two
claimants that both slipped in (an engine whose updates may skew) both see two holders,
both withdraw and retry after a random pause, so at most one ever believes it holds the
lock, whatever the engine's isolation. A claim carries a lease: a holder that died is
removed by the next claimant once its lease has run out.
"""

from __future__ import annotations

import random
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import quote

import pyoxigraph as ox

if TYPE_CHECKING:
    from hmis_ld.store.base import Store

LOCKS = "urn:hmis-ld:graph:locks"
HOLDER = "urn:hmis-ld:lock#holder"
UNTIL = "urn:hmis-ld:lock#until"
LEASE = 30.0  # seconds: far longer than any write, short enough to outlive a crashed holder
WAIT = 20.0  # seconds a claimant waits before giving up


class LockTimeout(TimeoutError):
    """Another process held the lock for longer than a claimant waits."""


@contextmanager
def claimed(store: Store, name: str, *, lease: float = LEASE, wait: float = WAIT) -> Iterator[None]:
    lock = ox.NamedNode(f"urn:hmis-ld:lock:{quote(name, safe='')}")
    me = ox.Literal(uuid.uuid4().hex)
    deadline = time.monotonic() + wait
    pause = 0.002
    while not _try(store, lock, me, lease):
        if time.monotonic() > deadline:
            raise LockTimeout(f"the lock {name!r} is held by another process")
        time.sleep(pause * (1 + random.random()))
        pause = min(pause * 2, 0.05)
    try:
        yield
    finally:
        store.update(f"DELETE DATA {{ GRAPH <{LOCKS}> {{ {lock} <{HOLDER}> {me} }} }} ; "
                     f"DELETE WHERE {{ GRAPH <{LOCKS}> {{ {lock} <{UNTIL}> ?u }} }}")


def _try(store: Store, lock: ox.NamedNode, me: ox.Literal, lease: float) -> bool:
    now = time.time()
    until = ox.Literal(repr(now + lease), datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#double"))
    store.update(
        f"DELETE {{ GRAPH <{LOCKS}> {{ {lock} <{HOLDER}> ?h ; <{UNTIL}> ?u }} }} "
        f"WHERE {{ GRAPH <{LOCKS}> {{ {lock} <{UNTIL}> ?u FILTER(?u < {now!r}) OPTIONAL {{ {lock} <{HOLDER}> ?h }} }} }} ;\n"
        f"INSERT {{ GRAPH <{LOCKS}> {{ {lock} <{HOLDER}> {me} ; <{UNTIL}> {until} }} }} "
        f"WHERE {{ FILTER NOT EXISTS {{ GRAPH <{LOCKS}> {{ {lock} <{HOLDER}> ?any }} }} }}")
    holders = {r["h"].value for r in store.select(
        f"SELECT ?h WHERE {{ GRAPH <{LOCKS}> {{ {lock} <{HOLDER}> ?h }} }}", graphs=[LOCKS])}
    if holders == {me.value}:
        return True
    if me.value in holders:  # another claimant slipped in beside us: both withdraw
        store.update(f"DELETE DATA {{ GRAPH <{LOCKS}> {{ {lock} <{HOLDER}> {me} ; <{UNTIL}> {until} }} }}")
    return False
