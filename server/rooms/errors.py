"""The one error a room raises for anything a participant or the teacher got wrong."""

from __future__ import annotations


class RoomError(ValueError):
    """A refused action, with a message fit to show the person who tried it (one line)."""

    def __init__(self, message: object = "") -> None:
        super().__init__(" ".join(str(message).splitlines()))
