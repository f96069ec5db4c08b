"""The durable store: SQLite from the standard library, one file in the data folder.

Each room's settings, seed, teacher-key hash and seats are written when it is created, and each
log entry (joins, seats, decisions, teacher actions, round closes) as it happens, before the room
applies it. WAL mode with `synchronous=NORMAL` keeps every committed entry through a crash or kill
of the server process. Tokens and cookies are stored only as SHA-256 hashes.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from server.rooms.log import Entry
from server.rooms.settings import RoomSettings

SCHEMA_VERSION = 1
SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS rooms (
    code TEXT PRIMARY KEY,
    created REAL NOT NULL,
    settings TEXT NOT NULL,
    seed INTEGER NOT NULL,
    teacher_hash TEXT NOT NULL,
    seats TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS log (
    room TEXT NOT NULL REFERENCES rooms(code),
    seq INTEGER NOT NULL,
    kind TEXT NOT NULL,
    round INTEGER NOT NULL,
    actor TEXT NOT NULL,
    payload TEXT NOT NULL,
    at REAL NOT NULL,
    PRIMARY KEY (room, seq)
);
"""
FILE_NAME = "rooms.sqlite3"


@dataclass(frozen=True)
class StoredRoom:
    """A room as stored: enough to rebuild it by replaying `entries` from `seed`."""

    code: str
    created: float
    settings: RoomSettings
    seed: int
    teacher_hash: str
    seats: list[dict[str, Any]]
    entries: list[Entry]


class Store:
    """Rooms and their logs in `folder/rooms.sqlite3` (the folder is created if missing)."""

    def __init__(self, folder: Path | str) -> None:
        self.folder = Path(folder)
        self.folder.mkdir(parents=True, exist_ok=True)
        self.path = self.folder / FILE_NAME
        self._lock = threading.Lock()
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(SCHEMA)
        self._check_version()

    def _check_version(self) -> None:
        row = self._db.execute("SELECT value FROM meta WHERE key = 'schema'").fetchone()
        if row is None:
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (str(SCHEMA_VERSION),))
        elif int(row[0]) != SCHEMA_VERSION:
            raise RuntimeError(f"{self.path}: schema {row[0]}, this version reads {SCHEMA_VERSION}")

    def add_room(
        self,
        code: str,
        created: float,
        settings: RoomSettings,
        seed: int,
        teacher_hash: str,
        seats: list[dict[str, Any]],
    ) -> None:
        with self._lock:
            self._db.execute(
                "INSERT INTO rooms VALUES (?, ?, ?, ?, ?, ?)",
                (code, created, _dump(settings.to_json()), seed, teacher_hash, _dump(seats)),
            )

    def append(self, code: str, e: Entry) -> None:
        """Write one log entry now (autocommit: it is on disk when this returns)."""
        with self._lock:
            self._db.execute(
                "INSERT INTO log VALUES (?, ?, ?, ?, ?, ?, ?)",
                (code, e.seq, e.kind, e.round, e.actor, e.payload_json(), e.at),
            )

    def rooms(self, active_since: float | None = None) -> Iterator[StoredRoom]:
        """Every stored room with its log, oldest room first; with `active_since` (seconds of the
        epoch) only those created or written to since then."""
        query = "SELECT * FROM rooms ORDER BY created, code"
        if active_since is not None:
            query = (
                "SELECT * FROM rooms WHERE max(created, coalesce((SELECT max(at) FROM log"
                " WHERE log.room = rooms.code), 0)) >= ? ORDER BY created, code"
            )
        with self._lock:
            rows = self._db.execute(query, () if active_since is None else (active_since,))
            rows = rows.fetchall()
        for code, created, settings, seed, teacher_hash, seats in rows:
            yield StoredRoom(
                code,
                created,
                RoomSettings.from_json(json.loads(settings)),
                int(seed),
                teacher_hash,
                json.loads(seats),
                self.entries(code),
            )

    def has(self, code: str) -> bool:
        """Whether a room with this code was ever stored (codes are never given twice)."""
        with self._lock:
            row = self._db.execute("SELECT 1 FROM rooms WHERE code = ?", (code,)).fetchone()
        return row is not None

    def entries(self, code: str) -> list[Entry]:
        with self._lock:
            rows = self._db.execute(
                "SELECT seq, kind, round, actor, payload, at FROM log WHERE room = ? ORDER BY seq",
                (code,),
            ).fetchall()
        return [Entry(s, k, r, a, json.loads(p), at) for s, k, r, a, p, at in rows]

    def close(self) -> None:
        with self._lock:
            self._db.close()


def _dump(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))
