"""What a search reads of PERSCOM's events, kept until the events change.

``EventTable`` is ``PerscomState.events``: a dict that counts its writes (an item set or removed;
``records.py`` calls ``touch`` when it changes a stored record in place). ``view(events, key,
select)`` is what a list or a search starts from, the events in id order limited by the trash
flags (``select``), kept until the next write with the columns search clauses read
(``search.indexed_search``). Nothing is kept in step on a write: the first search after one
scans the events as a search without an index does; the second builds each column it reads
(a few scans' worth), and the searches after it read them.

A column holds exactly what the search's per-event test reads of each event (``sql.text``,
``sql.sort_key``, ``dates.parse_datetime``), or is ``None`` when some value reads differently
from day to day (dateutil's free-form guess): that clause then tests the events themselves.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Callable, Hashable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from itertools import compress, repeat
from operator import contains
from typing import Any

from mockserver.apis.perscom.dates import DATE_FIELDS, steady_reading
from mockserver.apis.perscom.sql import Like, sort_key, text

Event = dict[str, Any]
Select = Callable[[list[Event]], list[Event]]  # the events in id order -> those a view holds
Positions = list[int]  # places in a view's ``events``, ascending unless sorted for output
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_NEVER = float("inf")


def microseconds(moment: datetime) -> int:
    """An aware instant as whole microseconds since 1970: exact, and compared as fast as ints."""
    return (moment - _EPOCH) // _MICROSECOND


class EventTable(dict[int, Event]):
    """The events by id; ``revision`` counts every write, and the views are dropped when it moved."""

    __slots__ = ("revision", "_views", "_built")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.revision = 0
        self._views: dict[Hashable, View] = {}
        self._built = 0

    def touch(self) -> None:
        self.revision += 1

    def __setitem__(self, key: int, value: Event) -> None:
        super().__setitem__(key, value)
        self.revision += 1

    def __delitem__(self, key: int) -> None:
        super().__delitem__(key)
        self.revision += 1

    def pop(self, key: int, *default: Any) -> Any:
        self.revision += 1
        return super().pop(key, *default)

    def popitem(self) -> tuple[int, Event]:
        self.revision += 1
        return super().popitem()

    def clear(self) -> None:
        self.revision += 1
        super().clear()

    def update(self, *args: Any, **kwargs: Any) -> None:
        self.revision += 1
        super().update(*args, **kwargs)

    def setdefault(self, *args: Any) -> Any:
        self.revision += 1
        return super().setdefault(*args)

    def __ior__(self, other: Any) -> EventTable:  # type: ignore[override,misc]
        self.update(other)
        return self

    def view(self, key: Hashable, select: Select) -> View:
        if self._built != self.revision:
            self._views.clear()
            self._built = self.revision
        found = self._views.get(key)
        if found is None:
            found = self._views[key] = View(select([self[i] for i in sorted(self)]))
        return found


def view(events: Mapping[int, Event], key: Hashable, select: Select) -> View:
    """``select`` of the events in id order, with their columns: kept under ``key`` (what
    ``select`` depends on) until the events change, when ``events`` is a table."""
    if isinstance(events, EventTable):
        return events.view(key, select)
    return View(select([events[i] for i in sorted(events)]))


Run = Callable[[Positions | None], Positions]  # of the positions given (None: all), those it keeps
Prepare = Callable[["View"], tuple[int, Run]]  # a clause over a view: (at most how many it keeps, its run)


def tested(predicate: Callable[[Event], bool]) -> Prepare:
    """The positions whose events pass ``predicate``: the way for a clause no column answers."""

    def prepare(view: View) -> tuple[int, Run]:
        events = view.events

        def run(among: Positions | None) -> Positions:
            if among is None:
                return list(compress(range(len(events)), map(predicate, events)))
            return list(compress(among, map(predicate, map(events.__getitem__, among))))

        return len(events) + 1, run  # an unknown share: after those that know theirs

    return prepare


def overlapping(first: int, last: int, otherwise: Prepare) -> Prepare:
    """``datePeriod``: ``starts <= last`` and ``(ends or starts) >= first`` (microseconds)."""

    def prepare(view: View) -> tuple[int, Run]:
        window: Window | None = view.column("window")
        return otherwise(view) if window is None else window.overlapping(first, last)

    return prepare


def liked(field: str, like: Like, otherwise: Prepare) -> Prepare:
    """A LIKE on the event's own column, read from the view's text columns."""
    kind = "text" if like.sensitive else "lower"
    match, negated, inner = like.match, like.negated, like.inner
    # a part found in the joined texts (NULL as ""): no empty text may pass, no separator inside
    joinable = bool(inner) and not negated and _SEPARATOR not in (inner or _SEPARATOR)

    def prepare(view: View) -> tuple[int, Run]:
        texts: list[str | None] | None = view.column(kind, field)
        if texts is None:
            return otherwise(view)
        if joinable:
            joined: Joined = view.column("joined-" + kind, field)
            return joined.containing(inner or "")

        def run(among: Positions | None) -> Positions:
            places = range(len(texts)) if among is None else among
            return [p for p in places if (t := texts[p]) is not None and match(t) != negated]

        return len(texts) + 1, run

    return prepare


_SEPARATOR = "\x00"


class Joined:
    """A text column as one string (NULL as ""), each text followed by a NUL: ``%part%`` is
    counted and found by the string's own search, the matches mapped back to positions."""

    __slots__ = ("text", "offsets", "filled")

    def __init__(self, texts: Sequence[str | None]) -> None:
        self.filled = ["" if t is None else t for t in texts]
        self.offsets: list[int] = []
        at = 0
        for t in self.filled:
            self.offsets.append(at)
            at += len(t) + 1
        self.offsets.append(at)
        self.text = _SEPARATOR.join(self.filled)

    def containing(self, inner: str) -> tuple[int, Run]:
        found = min(self.text.count(inner), len(self.filled))  # no text holds more than it
        if not found:
            return 0, lambda among: []
        if found * 4 < len(self.filled):
            return found, lambda among: _kept(self._matches(inner), among)
        filled = self.filled
        return found, lambda among: list(
            compress(
                range(len(filled)) if among is None else among,
                map(contains, filled if among is None else map(filled.__getitem__, among), repeat(inner)),
            )
        )

    def _matches(self, inner: str) -> Positions:
        out: Positions = []
        text, offsets = self.text, self.offsets
        at = text.find(inner)
        while at >= 0:
            place = bisect_right(offsets, at) - 1
            out.append(place)
            at = text.find(inner, offsets[place + 1])
        return out


def _kept(found: Positions, among: Positions | None) -> Positions:
    """``found`` (ascending, few) limited to ``among`` (ascending, or None: all)."""
    if among is None:
        return found
    return [p for p in found if (i := bisect_left(among, p)) < len(among) and among[i] == p]


class Window:
    """Each event's ``starts`` and ``(ends or starts)`` in microseconds (a missing start never
    matches: +inf, its end -inf), and the events by start and by end, so a ``datePeriod``
    reads only the events starting in time or those ending in time, whichever are fewer."""

    __slots__ = ("starts", "ends", "by_start", "start_keys", "by_end", "end_keys", "undated")

    def __init__(self, starts: list[float], ends: list[float]) -> None:
        self.starts, self.ends = starts, ends
        self.by_start = sorted(range(len(starts)), key=starts.__getitem__)
        self.start_keys = [starts[p] for p in self.by_start]
        self.by_end = sorted(range(len(ends)), key=ends.__getitem__)
        self.end_keys = [ends[p] for p in self.by_end]
        self.undated = starts.count(_NEVER)

    def overlapping(self, first: int, last: int) -> tuple[int, Run]:
        starting = bisect_right(self.start_keys, last)  # by_start[:starting] start in time
        ending = bisect_left(self.end_keys, first)  # by_end[ending:] end in time
        dated = len(self.starts) - self.undated
        starts, ends = self.starts, self.ends

        def run(among: Positions | None) -> Positions:
            if among is not None:
                return [p for p in among if starts[p] <= last and ends[p] >= first]
            if starting <= len(ends) - ending:
                found = self.by_start[:starting]
                if ending > self.undated:  # some of them end too early
                    found = [p for p in found if ends[p] >= first]
            else:
                found = self.by_end[ending:]
                if starting < dated:  # some of them start too late
                    found = [p for p in found if starts[p] <= last]
            found.sort()
            return found

        return min(starting, len(ends) - ending), run


def _window(events: Sequence[Event], _: str) -> Window | None:
    starts: list[float] = []
    ends: list[float] = []
    for event in events:
        start, steady = steady_reading(event.get("starts"))
        end, steady_end = steady_reading(event.get("ends"))
        if not (steady and steady_end):
            return None
        if start is None:
            starts.append(_NEVER)
            ends.append(-_NEVER)
        else:
            starts.append(microseconds(start))
            ends.append(starts[-1] if end is None else microseconds(end))
    return Window(starts, ends)


def _steady(value: Any, date_field: bool) -> bool:
    """Whether ``text``/``sort_key`` read ``value`` the same on every day."""
    return not (date_field or isinstance(value, datetime)) or steady_reading(value)[1]


def _texts(events: Sequence[Event], field: str) -> list[str | None] | None:
    """Each event's column as ``sql.text`` prints it for LIKE, ``None`` where it is NULL."""
    date_field = field in DATE_FIELDS
    out: list[str | None] = []
    for event in events:
        value = event.get(field)
        if value is not None and not _steady(value, date_field):
            return None
        out.append(None if value is None else text(value, date_field=date_field))
    return out


def _lowered(view: View, field: str) -> list[str | None] | None:
    texts = view.column("text", field)
    return None if texts is None else [None if t is None else t.lower() for t in texts]


def _joined(view: View, field: str, kind: str) -> Joined | None:
    texts = view.column(kind, field)
    return None if texts is None else Joined(texts)


def _sort_keys(events: Sequence[Event], field: str) -> list[tuple[int, int, Any]] | None:
    date_field = field in DATE_FIELDS
    values = [event.get(field) for event in events]
    if not all(value is None or _steady(value, date_field) for value in values):
        return None
    return [sort_key(value, date_field=date_field) for value in values]


class View:
    """The events a request starts from, in id order, and the columns read from them."""

    __slots__ = ("events", "_columns", "_searches")

    def __init__(self, events: list[Event]) -> None:
        self.events = events
        self._columns: dict[tuple[str, str], Any] = {}
        self._searches = 0

    def worth_indexing(self) -> bool:
        """True from the second search of these events on: building the columns costs a few
        plain scans, so a search right after each write (a test suite's pattern) scans."""
        self._searches += 1
        return self._searches > 1

    def column(self, kind: str, field: str = "") -> Any:
        """``window``, ``text``, ``lower``, ``joined-text``, ``joined-lower`` or ``sort`` of ``field``."""
        key = (kind, field)
        try:
            return self._columns[key]
        except KeyError:
            built = self._columns[key] = _BUILDERS[kind](self, field)
            return built


_BUILDERS: dict[str, Callable[[View, str], Any]] = {
    "window": lambda view, field: _window(view.events, field),
    "text": lambda view, field: _texts(view.events, field),
    "lower": _lowered,
    "joined-text": lambda view, field: _joined(view, field, "text"),
    "joined-lower": lambda view, field: _joined(view, field, "lower"),
    "sort": lambda view, field: _sort_keys(view.events, field),
}
