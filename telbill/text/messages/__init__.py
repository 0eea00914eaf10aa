"""Every interface text, in English and Chinese: ``key -> (english, chinese)``.

Each UI area keeps its own catalog module so that it can grow without touching
the others; they are merged here. Keys are unique across modules.
"""

from __future__ import annotations

from telbill.text.messages import cli, core, menu, store

CATALOG: dict[str, tuple[str, str]] = {}
for _module in (core, cli, menu, store):
    for _key, _texts in _module.MESSAGES.items():
        if _key in CATALOG:
            raise RuntimeError(f"message key {_key!r} is defined twice")
        CATALOG[_key] = _texts
