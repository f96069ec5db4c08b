"""Small browser-side widgets: the round's countdown ticks in the browser, so no tab is redrawn
from the server every second."""

from __future__ import annotations

import ipyvuetify
import solara
import traitlets

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
    text() { return this.seconds < 0 ? "no timer" : `${Math.ceil(this.left)} s left`; },
  },
};
</script>
"""


class CountdownWidget(ipyvuetify.VuetifyTemplate):
    template = traitlets.Unicode(COUNTDOWN).tag(sync=True)
    seconds = traitlets.Float(-1.0).tag(sync=True)  # < 0: no timer running
    stamp = traitlets.Int(0).tag(sync=True)  # the room version: restarts the count


@solara.component
def Countdown(seconds: float | None, stamp: int):
    """Seconds left in the round, counting down in the browser."""
    return CountdownWidget.element(seconds=-1.0 if seconds is None else float(seconds), stamp=stamp)
