"""Form inputs that take nothing on trust: each hands the browser's value over exactly as sent,
to a handler that reads and checks it (`guarded`), and each is pinned to the value the server
holds, so a refused value does not linger in the browser's widget.

Solara's own sliders cast with int() or float() before any handler runs (raising on text,
quietly rounding 2.5 or True) and its text field casts with str(); a widget keeps whatever a
client set unless the server sets it back; and a handler's exception would replace the whole
page with its traceback. These small components and one wrapper close those gaps.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import solara

from model.params import ScenarioError, short

logger = logging.getLogger(__name__)
MAX_TEXT = 100  # characters a text field of the form may hold
MAX_LISTED = 12  # a refusal lists the choices up to this many, else says how many there are
LABEL_STYLE = {"font-size": "13px", "color": "rgba(0,0,0,0.6)"}


def guarded(action: Callable[..., None], refuse: Callable[[str], None]) -> Callable[..., None]:
    """`action` for a widget's event: a refused value (ScenarioError) becomes the message
    `refuse` shows; anything else is logged with its traceback and the page gets one line."""

    def run(*args: Any) -> None:
        try:
            action(*args)
        except ScenarioError as exc:
            refuse(str(exc))
        except Exception:
            logger.exception("a control's handler failed (args %s)", short(args))
            refuse("That did not work; the run is unchanged.")

    return run


def read_text(value: Any, label: str, numbers: bool = False) -> str:
    """What a text field sent: text of at most MAX_TEXT characters. With `numbers`, a number is
    taken as its text too (a browser's number field may send one), for the caller to parse."""
    if numbers and _is_number(value):
        value = str(value)
    if not isinstance(value, str):
        raise ScenarioError(f"{label}: expected text, got {short(value)}")
    if len(value) > MAX_TEXT:
        raise ScenarioError(f"{label}: longer than {MAX_TEXT} characters")
    return value


def _is_number(value: Any) -> bool:
    """An int of at most MAX_TEXT digits or a finite float (booleans are no numbers)."""
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        return value.bit_length() <= MAX_TEXT * 3  # str() of a huge int is slow, then refused
    return isinstance(value, float) and math.isfinite(value)


def read_choice(value: Any, values: Sequence[str], label: str) -> str:
    """What a menu sent: exactly one of `values` (a path, an unknown name, a number, a list or
    None is refused, naming the menu and the value)."""
    if isinstance(value, str) and value in values:
        return value
    shown = "; ".join(values) if len(values) <= MAX_LISTED else f"{len(values)} choices"
    raise ScenarioError(f"{label}: {short(value)} is not one of: {shown}")


def read_flag(value: Any, label: str) -> bool:
    """What a checkbox sent: on or off."""
    if not isinstance(value, bool):
        raise ScenarioError(f"{label}: expected on or off, got {short(value)}")
    return value


def use_pinned(element: Any, value: Any) -> None:
    """After each render, set the widget back to `value` if the browser holds something else
    (a refused value). Setting it fires the handler with `value`, which changes nothing."""

    def pin() -> None:
        widget = solara.get_widget(element)
        if widget.v_model != value:
            widget.v_model = value

    solara.use_effect(pin)


@dataclass(frozen=True)
class Refusal:
    """A form's last refused value: its message (None when there is none), and a nonce that
    changes with every refusal so the refused widget is drawn, and pinned back, again."""

    message: str | None
    nonce: int
    refuse: Callable[[str], None]
    clear: Callable[[], None]

    def on(self, action: Callable[..., None]) -> Callable[..., None]:
        """`action` as a widget's handler: what it refuses (ScenarioError) shows as the message."""
        return guarded(action, self.refuse)

    def handler(
        self, read: Callable[[Any], Any], current: Any, store: Callable[[Any], None]
    ) -> Callable[[Any], None]:
        """A widget's handler: what the browser sent, `read` (a refusal shows inline), then
        stored with `accept`."""
        return self.on(lambda value: self.accept(read(value), current, store))

    def accept(self, value: Any, current: Any, store: Callable[[Any], None]) -> None:
        """Store a value that passed its check, then clear the message (unless `store` refuses
        it too); the pinned widget set back to `current` sends `current` again, which changes
        nothing and keeps the message."""
        if value != current:
            store(value)
            self.clear()


def use_refusal() -> Refusal:
    """A component's refusal state (see `Refusal`), for the inputs it draws."""
    (nonce, message), set_state = solara.use_state((0, None))

    def refuse(text: str) -> None:
        set_state(lambda old: (old[0] + 1, text))

    def clear() -> None:
        set_state(lambda old: (old[0], None))

    return Refusal(message, nonce, refuse, clear)


@solara.component
def Refused(refusal: Refusal, css_class: str) -> None:
    """The refusal's message inline, as an error with `css_class` (nothing when there is none)."""
    if refusal.message:
        solara.Error(refusal.message, classes=[css_class])


@solara.component
def Explained(tip: str, children: list | None = None) -> None:
    """A control with its help as a tooltip, on hover and on keyboard focus inside it; `tip`
    comes from the parameter's definition (`common.tooltip_for`), never a copy."""
    with solara.Tooltip(tip):
        solara.Div(children=children or [], classes=["explained"])


@solara.component
def Menu(
    label: str,
    values: list[str],
    value: str,
    on_value: Callable[[Any], None],
    nonce: int = 0,
    disabled: bool = False,
) -> None:
    """A select; `nonce` changes after a refusal, so the menu is drawn (and pinned) again."""
    el = solara.Select(
        label=label, values=values, value=value, on_value=on_value, disabled=disabled
    )
    use_pinned(el, value)


@solara.component
def TextBox(
    label: str,
    value: str,
    on_value: Callable[[Any], None],
    nonce: int = 0,
    disabled: bool = False,
) -> None:
    """A text field updated as one types (Solara's InputText would cast a value with str())."""
    el = solara.v.TextField(v_model=value, on_v_model=on_value, label=label, disabled=disabled)
    use_pinned(el, value)


@solara.component
def Flag(label: str, value: bool, on_value: Callable[[Any], None], nonce: int = 0) -> None:
    """A checkbox."""
    el = solara.v.Checkbox(v_model=value, on_v_model=on_value, label=label)
    use_pinned(el, value)


@solara.component
def Slider(
    label: str,
    value: float,
    lo: float,
    hi: float,
    step: float,
    on_value: Callable[[Any], None],
    nonce: int = 0,
    classes: tuple[str, ...] = (),
) -> None:
    """A slider whose value reaches `on_value` as sent, with its end points labelled."""
    el = solara.v.Slider(
        v_model=value,
        on_v_model=on_value,
        label=label,
        min=lo,
        max=hi,
        step=step,
        thumb_label=True,
        tick_labels=[f"{lo:g}", *[""] * (round((hi - lo) / step) - 1), f"{hi:g}"],
        hide_details=True,
        class_=" ".join(classes),
    )
    use_pinned(el, value)


@solara.component
def LabelledSlider(
    label: str,
    value: float,
    lo: float,
    hi: float,
    step: float,
    on_value: Callable[[Any], None],
    nonce: int = 0,
    shown: str = "",
    classes: tuple[str, ...] = (),
) -> None:
    """A `Slider` under a line naming it and its value ('Patience: 0.950'; `shown`, else the
    value as `:g` writes it): the thumb alone shows the value only while it is dragged."""
    solara.Text(f"{label}: {shown or f'{value:g}'}", style=LABEL_STYLE)
    Slider("", value, lo, hi, step, on_value, nonce, classes)


def read_index(index: Any, values: list[str], label: str) -> str:
    """The value at the button index a toggle sent (Solara's ToggleButtonsSingle indexes with
    whatever is sent, and raises)."""
    ok = isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(values)
    if not ok:
        raise ScenarioError(f"{label}: {short(index)} is not one of: {', '.join(values)}")
    return values[index]


@solara.component
def Toggle(
    values: list[str],
    value: str,
    on_value: Callable[[Any], None],
    nonce: int = 0,
    classes: tuple[str, ...] = (),
) -> None:
    """One of `values` as a row of buttons; `on_value` gets the button index the browser sent
    (read it with `read_index`)."""
    el = solara.v.BtnToggle(
        children=[solara.Button(label=str(v)) for v in values],
        v_model=values.index(value),
        on_v_model=on_value,
        mandatory=True,
        dense=True,
        class_=" ".join(classes),
    )
    use_pinned(el, values.index(value))
