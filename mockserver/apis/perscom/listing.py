"""Laravel ``LengthAwarePaginator`` output (``links`` + ``meta``) as PERSCOM/Orion returns it.

Orion's default page size is 15 with no maximum; a ``limit`` of 0 or less means the default. Pages
below 1 mean 1; a page past the end yields no items but keeps its number. ``meta.links`` follows
Laravel's ``UrlWindow`` with ``onEachSide = 3``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

DEFAULT_LIMIT = 15
ON_EACH_SIDE = 3
PREVIOUS_LABEL = "&laquo; Previous"
NEXT_LABEL = "Next &raquo;"

T = TypeVar("T")


@dataclass(frozen=True)
class Page:
    items: list[Any]
    links: dict[str, Any]
    meta: dict[str, Any]

    def envelope(self, data: list[Any] | None = None) -> dict[str, Any]:
        """``{"data", "links", "meta"}``; pass ``data`` to send rendered items instead of the raw ones."""
        return {"data": self.items if data is None else data, "links": self.links, "meta": self.meta}


def resolve_limit(limit: int | None) -> int:
    return limit if limit is not None and limit > 0 else DEFAULT_LIMIT


def resolve_page(page: int | None) -> int:
    return page if page is not None and page >= 1 else 1


def paginate(items: Sequence[T], page: int | None, limit: int | None, path: str) -> Page:
    """Slice ``items`` (already filtered and ordered) and describe the slice like Laravel does."""
    per_page, current = resolve_limit(limit), resolve_page(page)
    total = len(items)
    last_page = max((total + per_page - 1) // per_page, 1)
    start = (current - 1) * per_page
    chosen = list(items[start : start + per_page])
    first_item = start + 1 if chosen else None
    links = {
        "first": page_url(path, 1),
        "last": page_url(path, last_page),
        "prev": page_url(path, current - 1) if current > 1 else None,
        "next": page_url(path, current + 1) if current < last_page else None,
    }
    meta = {
        "current_page": current,
        "from": first_item,
        "last_page": last_page,
        "links": link_collection(path, current, last_page),
        "path": path,
        "per_page": per_page,
        "to": start + len(chosen) if chosen else None,
        "total": total,
    }
    return Page(chosen, links, meta)


def page_url(path: str, page: int) -> str:
    return f"{path}{'&' if '?' in path else '?'}page={page}"


def link_collection(path: str, current: int, last_page: int) -> list[dict[str, Any]]:
    """``meta.links``: previous, the page window (``...`` for gaps), next."""
    entries: list[dict[str, Any]] = [
        {
            "url": page_url(path, current - 1) if current > 1 else None,
            "label": PREVIOUS_LABEL,
            "active": False,
        }
    ]
    for number in page_window(current, last_page):
        if number is None:
            entries.append({"url": None, "label": "...", "active": False})
        else:
            entries.append({"url": page_url(path, number), "label": str(number), "active": number == current})
    next_url = page_url(path, current + 1) if current < last_page else None
    entries.append({"url": next_url, "label": NEXT_LABEL, "active": False})
    return entries


def page_window(current: int, last_page: int, on_each_side: int = ON_EACH_SIDE) -> list[int | None]:
    """Laravel's ``UrlWindow``: page numbers to show, ``None`` where it prints ``...``."""
    if last_page < on_each_side * 2 + 8:
        return list(range(1, last_page + 1))
    window = on_each_side + 4
    start, finish = [1, 2], [last_page - 1, last_page]
    if current <= window:
        return [*range(1, window + on_each_side + 1), None, *finish]
    if current > last_page - window:
        return [*start, None, *range(last_page - (window + on_each_side - 1), last_page + 1)]
    return [*start, None, *range(current - on_each_side, current + on_each_side + 1), None, *finish]
