"""Texts of the interactive main menu."""

from __future__ import annotations

MESSAGES: dict[str, tuple[str, str]] = {}
