"""Read your own writes across workers, hosts and a Neo4j cluster: bookmarks in and out of requests.

Every request's queries share one bookmark manager (``graph_schema.driver.use_bookmarks``), seeded
with the bookmarks the client sent in ``X-Encadena-Bookmarks`` (never with bookmarks the process
kept from other requests: after ``encadena restore`` those would name transactions the restored
database never had, and every read would wait for them). A successful write answers with the
bookmarks of its own commits in the same header; a client that sends them back with its next
request, to any worker of any host, reads after that write (on a cluster, Neo4j waits until the
member serving the read has applied it). On one server every bookmark is already satisfied, so the
header costs nothing there.
"""

from __future__ import annotations

import re

from flask import Flask, Response, g, request

from graph_schema.driver import stop_using_bookmarks, use_bookmarks
from service.errors import ApiProblem

HEADER = "X-Encadena-Bookmarks"
MAX_BOOKMARKS = 16
BOOKMARK_PATTERN = re.compile(r"^[A-Za-z0-9+/=:_.-]{1,512}$")
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


def parse_header(value: str | None) -> list[str]:
    """Bookmarks from the header (comma-separated); 400 when it is not a list of bookmarks."""
    if not value or not value.strip():
        return []
    found = [part.strip() for part in value.split(",") if part.strip()]
    if len(found) > MAX_BOOKMARKS or not all(BOOKMARK_PATTERN.match(b) for b in found):
        raise ApiProblem(400, f"El encabezado {HEADER} debe traer los marcadores que devolvió una escritura "
                              f"anterior, separados por comas (a lo más {MAX_BOOKMARKS}).", type_="marcador-invalido")
    return found


def _begin() -> None:
    if not request.path.startswith("/api/"):
        return
    given = parse_header(request.headers.get(HEADER))
    manager, token = use_bookmarks(given)
    g.bookmarks = (manager, token)


def _finish(response: Response) -> Response:
    held = g.pop("bookmarks", None)
    if held is None:
        return response
    manager, token = held
    stop_using_bookmarks(token)
    bookmarks = manager.get_bookmarks()
    if bookmarks and request.method in WRITE_METHODS and response.status_code < 400:
        response.headers[HEADER] = ",".join(sorted(bookmarks))
    return response


def _teardown(exc: BaseException | None) -> None:
    held = g.pop("bookmarks", None)
    if held is not None:
        stop_using_bookmarks(held[1])


def init_app(app: Flask) -> None:
    app.before_request(_begin)
    app.after_request(_finish)
    app.teardown_request(_teardown)
