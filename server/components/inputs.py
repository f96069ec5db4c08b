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
from collections.abc import Callable
from typing import Any

import solara

from model.params import ScenarioError, short

logger = logging.getLogger(__name__)
MAX_TEXT = 100  # characters a text field of the form may hold


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


def read_text(value: Any, label: str) -> str:
    """What a text field sent: text of at most MAX_TEXT characters."""
    if not isinstance(value, str):
        raise ScenarioError(f"{label}: expected text, got {short(value)}")
    if len(value) > MAX_TEXT:
        raise ScenarioError(f"{label}: longer than {MAX_TEXT} characters")
    return value


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
def TextBox(label: str, value: str, on_value: Callable[[Any], None], nonce: int = 0) -> None:
    """A text field updated as one types (Solara's InputText would cast a value with str())."""
    el = solara.v.TextField(v_model=value, on_v_model=on_value, label=label)
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
    )
    use_pinned(el, value)


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
