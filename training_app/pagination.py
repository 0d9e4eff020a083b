"""One way to page through a list: the page asked for, the pages there are, and GOV.UK's links.

Routes call `requested_page()` and `paginate()`; templates call the `pagination` macro in
templates/_macros.html, which renders `govukPagination` with `pagination_params()`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from flask import request

from .constants import MAX_PAGE

T = TypeVar("T")


def requested_page(name: str = "page") -> int:
    """The page number in the query string: 1 when missing or not a number, at most MAX_PAGE."""
    try:
        return max(1, min(int(request.args.get(name, 1)), MAX_PAGE))
    except (TypeError, ValueError):
        return 1


@dataclass(frozen=True)
class Page:
    """Page `page` of `pages` (at least 1), `per_page` items each, of `total` items."""

    page: int
    pages: int
    per_page: int
    total: int

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.per_page

    def slice(self, items: Sequence[T]) -> Sequence[T]:
        """This page's share of a list already in memory."""
        return items[self.offset : self.offset + self.per_page]


def paginate(total: int, per_page: int, page: int) -> Page:
    """The page to show: `page`, or the last page when it asks for one beyond the end."""
    pages = max(1, -(-total // per_page))
    return Page(page=min(max(1, page), pages), pages=pages, per_page=per_page, total=total)


def pagination_params(
    page: int, pages: int, page_url: Callable[[int], str], label: str = "Results pages"
) -> dict[str, Any] | None:
    """Parameters for GOV.UK's govukPagination: the first and last pages, two either side of the
    current one, and an ellipsis for each gap. None when there is only one page."""
    if pages <= 1:
        return None
    items: list[dict[str, Any]] = []
    for number in range(1, pages + 1):
        if number == 1 or number == pages or abs(number - page) <= 2:
            items.append({"number": number, "href": page_url(number), "current": number == page})
        elif abs(number - page) == 3:
            items.append({"ellipsis": True})
    params: dict[str, Any] = {"items": items, "landmarkLabel": label}
    if page > 1:
        params["previous"] = {"href": page_url(page - 1)}
    if page < pages:
        params["next"] = {"href": page_url(page + 1)}
    return params
