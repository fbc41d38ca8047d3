"""An import started from the pages: look at the file first, keep it while the person decides, then import it.

A browser cannot send a file twice without the person choosing it again, so the upload is kept in the
file store (``storage.upload_key``: under its owner, named by a random token) between the preview and
the start of the import job; starting it moves the bytes into the job (``jobs.submit``) and deletes the
upload. Uploads nobody imported are deleted after a day by the jobs' reaper.
"""

from __future__ import annotations

import re
import secrets

from application.access import Viewer
from application.storage import FileStore, upload_key
from matching.catalog import Catalog
from matching.errors import FieldError, InvalidInput, NotFound
from matching.imports.sheets import ImportPreview, preview_import

# Rows the preview shows.
PREVIEW_ROWS = 10
TOKEN_PATTERN = re.compile(r"^[0-9a-f]{32}$")


def _owner(viewer: Viewer) -> str:
    return viewer.id or viewer.role


def preview_upload(store: FileStore, catalog: Catalog, viewer: Viewer, data: bytes) -> tuple[str, ImportPreview]:
    """Check and preview an uploaded file, and keep it for the import; ``(token, preview)``.
    ``InvalidInput`` (field ``archivo``) when the file cannot be imported at all; nothing is kept then."""
    preview = preview_import(data, catalog, limit=PREVIEW_ROWS)
    token = secrets.token_hex(16)
    store.write_bytes(upload_key(_owner(viewer), token), data)
    return token, preview


def staged_upload(store: FileStore, viewer: Viewer, token: str) -> bytes:
    """The bytes a person uploaded for a preview; ``NotFound`` when they are gone (or are someone else's)."""
    if not TOKEN_PATTERN.match(token or ""):
        raise InvalidInput(FieldError("archivo", "Falta el archivo revisado; vuelva a elegirlo."))
    key = upload_key(_owner(viewer), token)
    if not store.exists(key):
        raise NotFound("El archivo que revisó ya no está guardado (se borra al día siguiente o al importarlo); "
                       "vuelva a elegirlo.")
    return store.read_bytes(key)


def discard_upload(store: FileStore, viewer: Viewer, token: str) -> None:
    if TOKEN_PATTERN.match(token or ""):
        store.delete_prefix(upload_key(_owner(viewer), token))
