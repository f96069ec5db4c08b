"""The classroom pages: `/teacher` (create a room and run it) and `/play` (join and decide).

`routes()` gives Solara routes for both; `server/rooms/app.py` serves them on their own. The rooms
live in one module-level `RoomManager` (behind its lock, stored in the data folder); each tab
follows its room through `live.use_room_version`.
"""

from __future__ import annotations

import solara

from server.rooms.play_page import PlayPage
from server.rooms.teacher_page import TeacherPage
from server.rooms.ui import CSS, PUBLIC_URL_ENV, RoomLayout

__all__ = ["CSS", "PUBLIC_URL_ENV", "PlayPage", "RoomLayout", "TeacherPage", "routes"]


def routes() -> list[solara.Route]:
    """Routes for `/teacher` and `/play`, to add to an app's `routes`. They bring their own bare
    layout, so an app whose root route has no layout keeps its own for `/`."""
    return [
        solara.Route(path="teacher", component=TeacherPage, label="Teacher", layout=RoomLayout),
        solara.Route(path="play", component=PlayPage, label="Play", layout=RoomLayout),
    ]
