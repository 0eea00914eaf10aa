"""Whether ``--cluster ADDRESS`` is a Dask scheduler that answers, asked before Dask's ``Client``
connects to it.

Dask's ``Client`` waits without end on a peer that accepts the connection but never answers
its handshake (an HTTP server: the dashboard's port 8787 given for the scheduler's 8786), and
reads a peer's first bytes as a frame length (``OverflowError``, ``MemoryError``). So the
address is first checked (:class:`~telbill.errors.UsageError` when it is none), then asked
once, within ``seconds`` in all, who it is: nobody listening is
:class:`~telbill.errors.ClusterError` ``cluster.lost``; a peer that does not answer as a
Dask scheduler within the time, or answers anything else, is ``cluster.not_dask``. Dask is
imported only here and in :mod:`telbill.batch.cluster`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from telbill.errors import ClusterError, UsageError
from telbill.text.display import quote

HOST_SCHEMES = ("tcp", "tls", "ws", "wss")
"""Address schemes whose place is a ``host:port``."""
RETRY_SECONDS = 0.05
"""The first pause before a refused connection is tried again (doubled each time, at most a second)."""


def check_scheduler(address: str, seconds: float) -> None:
    """Return when ``address`` is a Dask scheduler that answered within ``seconds``; else
    :class:`UsageError` (not an address) or :class:`ClusterError` (nobody there, or not Dask)."""
    scheme, place = _parsed(address)
    asyncio.run(_ask(address, scheme, place, seconds))


def _parsed(address: str) -> tuple[str, str]:
    """(scheme, place) of ``address`` as Dask reads it (``tcp`` when none is given); UsageError when
    Dask knows no such scheme, or a ``host:port`` has no port."""
    from distributed.comm.addressing import parse_address, parse_host_port
    from distributed.comm.registry import get_backend

    try:
        scheme, place = parse_address(address)
        get_backend(scheme)
        if scheme in HOST_SCHEMES:
            parse_host_port(place)
    except ValueError:
        raise UsageError("usage.cluster", value=quote(address)) from None
    return scheme, place


async def _ask(address: str, scheme: str, place: str, seconds: float) -> None:
    """Connect (nobody listening within ``seconds``: ``cluster.lost``), then shake hands and ask for
    its identity in the time left (anything but a scheduler's answer: ``cluster.not_dask``)."""
    from distributed.comm.registry import get_backend

    deadline = time.monotonic() + seconds
    connector = get_backend(scheme).get_connector()  # type: ignore[no-untyped-call]
    pause = RETRY_SECONDS
    while True:  # tried again until the time is up, as Dask does: a scheduler may be starting
        try:
            comm = await _within(deadline, connector.connect(place, deserialize=True))
            break
        except OSError:  # TimeoutError is one
            if time.monotonic() + pause >= deadline:
                raise ClusterError("cluster.lost", address=address) from None
        await asyncio.sleep(pause)
        pause = min(2 * pause, 1.0)
    try:
        identity = await _within(deadline, _identity(comm))
    except Exception:  # noqa: BLE001 - a timeout, the connection closed, bytes that are not Dask's (any error decoding them)
        identity = None
    finally:
        comm.abort()
    if not isinstance(identity, dict) or identity.get("type") != "Scheduler":
        raise ClusterError("cluster.not_dask", address=address)


async def _within(deadline: float, step: Any) -> Any:
    """``step`` awaited until ``deadline`` (asyncio.TimeoutError after it)."""
    return await asyncio.wait_for(step, max(0.0, deadline - time.monotonic()))


async def _identity(comm: Any) -> Any:
    """Dask's handshake, then the peer's answer to ``identity`` (a scheduler's says ``type: Scheduler``)."""
    await comm.write(comm.handshake_info())
    await comm.read()
    await comm.write({"op": "identity", "reply": True})
    return await comm.read()
