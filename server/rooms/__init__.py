"""Live classroom rooms: students play the firms, the owner and Nvidia from their own browsers.

A `Room` holds settings, seed, seats, participants, the round's pending decisions, an append-only
log and one `GpuMarket`; human decisions enter the model only through its decision hooks, so a
student and an agent are interchangeable in a seat. A `RoomManager` keeps the rooms of one server
process and persists every log entry in SQLite, so a restart replays each room to where it was.
The pages (`server.rooms.pages`) are views of a room; this package's core never imports Solara.
"""

from server.rooms.errors import RoomError
from server.rooms.manager import RoomManager, default_data_dir
from server.rooms.room import Room

__all__ = ["Room", "RoomError", "RoomManager", "default_data_dir"]
