"""The classroom flags of `gpu-alloc app` (experiments/app_rooms.py), on a parser of their own."""

from __future__ import annotations

import argparse
import os

import pytest

from experiments.app_rooms import (
    DATA_ENV,
    PUBLIC_URL_ENV,
    add_room_flags,
    apply_room_flags,
    lan_addresses,
)
from experiments.cli_common import UsageError
from server.rooms.manager import DATA_ENV as SERVER_DATA_ENV
from server.rooms.ui import PUBLIC_URL_ENV as SERVER_PUBLIC_ENV


def parse(*argv: str) -> argparse.Namespace:
    p = argparse.ArgumentParser()
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8765)
    add_room_flags(p)
    return p.parse_args(argv)


def test_the_names_match_the_server():
    assert DATA_ENV == SERVER_DATA_ENV and PUBLIC_URL_ENV == SERVER_PUBLIC_ENV


def test_data_dir(monkeypatch, tmp_path):
    monkeypatch.delenv(DATA_ENV, raising=False)
    args = parse("--data", str(tmp_path / "rooms"))
    lines = apply_room_flags(args)
    assert (tmp_path / "rooms").is_dir()
    assert lines == [f"classroom rooms are stored in {tmp_path / 'rooms'}"]
    assert os.environ[DATA_ENV] == str(tmp_path / "rooms")


def test_a_file_is_no_data_dir(tmp_path):
    (tmp_path / "f").write_text("x")
    with pytest.raises(UsageError, match="is not a folder"):
        apply_room_flags(parse("--data", str(tmp_path / "f")))


def test_classroom_listens_on_every_network_and_prints_addresses(monkeypatch):
    monkeypatch.setattr("experiments.app_rooms.lan_addresses", lambda: ["192.0.2.7"])
    monkeypatch.delenv(PUBLIC_URL_ENV, raising=False)
    args = parse("--classroom", "--port", "9000")
    lines = apply_room_flags(args)
    assert args.host == "0.0.0.0"
    assert "    http://192.0.2.7:9000/play" in lines
    assert lines[-1].endswith("http://192.0.2.7:9000/teacher")
    assert os.environ[PUBLIC_URL_ENV] == "http://192.0.2.7:9000"


def test_classroom_keeps_an_explicit_host(monkeypatch):
    monkeypatch.delenv(PUBLIC_URL_ENV, raising=False)
    args = parse("--classroom", "--host", "10.1.2.3")
    apply_room_flags(args)
    assert args.host == "10.1.2.3"


def test_no_flags_change_nothing():
    args = parse()
    assert apply_room_flags(args) == [] and args.host == "127.0.0.1"


def test_lan_addresses_are_not_loopback():
    assert all(not a.startswith("127.") for a in lan_addresses())
