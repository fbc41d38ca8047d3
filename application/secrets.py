"""The service's secret key (sessions, model signatures): ``SECRET_KEY``, or one made once per host.

Several hosts must share one ``SECRET_KEY`` (set it in the environment): a key made on one host
would sign sessions and models the others cannot check.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from application.settings import Settings

KEY_FILE = "secret_key"


def secret_key(settings: Settings) -> bytes:
    """``SECRET_KEY`` when set; else the key in ``<data_dir>/secret_key``, made (mode 0600) on first use."""
    if settings.secret_key:
        return settings.secret_key.encode("utf-8")
    path = Path(settings.data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Written whole under another name, then linked into place: processes starting together all
        # end up reading the one key that won, never a half-written file.
        tmp = path.with_name(f".{KEY_FILE}.{os.getpid()}.{secrets.token_hex(4)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_urlsafe(48))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip().encode("utf-8")


def derived_key(settings: Settings, purpose: str) -> bytes:
    """A key for one purpose (``"model-signing"``...), so no two uses share the raw secret."""
    return hmac.new(secret_key(settings), purpose.encode("utf-8"), hashlib.sha256).digest()


def model_signing_key(settings: Settings) -> bytes:
    return derived_key(settings, "model-signing")


def pair_model_signing_key(settings: Settings) -> bytes:
    return derived_key(settings, "pair-model-signing")
