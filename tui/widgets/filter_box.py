"""The findings filter box: escape leaves it, even when the terminal glues the escape to the
next key.

A terminal sends escape as a lone ESC byte and alt+q as ESC q; they are told apart by a pause
(``ESCDELAY``, 100 ms). On a loaded machine the pause can be lost and escape-then-q arrives as
alt+q, which an input box would type as ``q``. Here an alt+letter leaves the filter and acts as
that letter, so ``/``, text, escape, ``q`` quits whatever the load.
"""

from __future__ import annotations

from textual import events
from textual.widgets import Input


class FilterBox(Input):
    """An ``Input`` for the findings filter."""

    async def _on_key(self, event: events.Key) -> None:
        character = event.key[4:] if event.key.startswith("alt+") else ""
        if len(character) == 1 and character.isalnum():
            event.stop()
            event.prevent_default()
            self.screen.action_leave_filter()
            self.app.simulate_key(character)
            return
        await super()._on_key(event)
