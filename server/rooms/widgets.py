"""Small browser-side widgets: the round's countdown ticks in the browser, so no tab is redrawn
from the server every second."""

from __future__ import annotations

import ipyvuetify
import solara
import traitlets

from server.rooms.views import RoomView

COUNTDOWN = """
<template>
  <span class="room-countdown" :data-left="Math.ceil(left)">{{ text }}</span>
</template>
<script>
module.exports = {
  data() { return { now: Date.now(), since: Date.now(), ticker: null }; },
  mounted() { this.ticker = setInterval(() => { this.now = Date.now(); }, 250); },
  beforeDestroy() { clearInterval(this.ticker); },
  watch: { seconds() { this.since = Date.now(); this.now = this.since; },
           stamp() { this.since = Date.now(); this.now = this.since; } },
  computed: {
    left() {
      if (this.seconds < 0) return -1;
      return Math.max(0, this.seconds - (this.now - this.since) / 1000);
    },
    text() { return this.seconds < 0 ? this.idle : `${Math.ceil(this.left)} s left`; },
  },
};
</script>
"""


class CountdownWidget(ipyvuetify.VuetifyTemplate):
    template = traitlets.Unicode(COUNTDOWN).tag(sync=True)
    seconds = traitlets.Float(-1.0).tag(sync=True)  # < 0: no timer running
    stamp = traitlets.Int(0).tag(sync=True)  # the room version: restarts the count
    idle = traitlets.Unicode("no timer").tag(sync=True)  # shown while no round is timed


@solara.component
def Countdown(view: RoomView):
    """Seconds left in the round, counting down in the browser; while no round is timed (the
    lobby, a pause, no timer set), the round's timer in words."""
    timed = view.status == "running" and view.seconds_left is not None
    idle = f"{view.timer_seconds} s a round" if view.timer_seconds > 0 else "no timer"
    if view.timer_seconds > 0 and view.status in ("lobby", "paused"):
        idle += " (starts with the game)" if view.status == "lobby" else " (paused)"
    seconds = float(view.seconds_left) if timed else -1.0
    return CountdownWidget.element(seconds=seconds, stamp=view.version, idle=idle)
