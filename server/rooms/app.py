"""The classroom rooms on their own: `solara run server.rooms.app` serves `/` (two links),
`/teacher` and `/play`. The main app adds the same routes beside its own page."""

from __future__ import annotations

import os

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")

import solara
import solara.server.settings

from server.rooms.pages import CSS, RoomLayout
from server.rooms.pages import routes as room_routes

solara.server.settings.telemetry.mixpanel_enable = False


@solara.component
def Home() -> None:
    solara.Title("GPU allocation: classroom")
    solara.Style(CSS)
    with solara.Column(style={"padding": "24px", "max-width": "640px"}):
        solara.Markdown("## GPU allocation: classroom rooms")
        solara.Markdown("[I am the teacher: create a room](/teacher)")
        solara.Markdown("[I am a student: join a room](/play)")


routes = [solara.Route(path="/", component=Home, layout=RoomLayout), *room_routes()]
