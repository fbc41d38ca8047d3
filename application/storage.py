"""Job files (uploaded imports, report files) behind one interface: a local folder or any fsspec URL.

``FILES_URL`` unset keeps them in ``<ENCADENA_DATA_DIR>/files`` (one host: gunicorn and the worker
share the folder); ``s3://bucket/prefix`` (with ``s3fs`` installed, credentials from the usual AWS
variables) or any other fsspec filesystem lets every host read what any worker wrote. Keys are
relative paths such as ``jobs/rep_3f2a9c0d1e4b/files/report.pdf``.
"""

from __future__ import annotations

import re
import time
from datetime import datetime
from pathlib import Path
from typing import IO

from fsspec.core import url_to_fs
from fsspec.implementations.local import LocalFileSystem

KEY_PATTERN = re.compile(r"^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$")


class FileStore:
    """Files under one root (a folder or a bucket prefix), addressed by relative keys."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.fs, root = url_to_fs(url)
        self.root = root.rstrip("/")
        self.local = isinstance(self.fs, LocalFileSystem)
        if self.local:
            Path(self.root).mkdir(parents=True, exist_ok=True)

    @classmethod
    def from_settings(cls, settings) -> FileStore:
        return cls(settings.files_location)

    def _path(self, key: str) -> str:
        if not KEY_PATTERN.match(key) or any(part in ("..", ".") for part in key.split("/")):
            raise ValueError(f"Not a file key: {key!r}")
        return f"{self.root}/{key}"

    def write_bytes(self, key: str, data: bytes) -> None:
        path = self._path(key)
        if self.local:
            self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        # Write then move, so a reader never sees half a file (a no-op difference on object stores).
        partial = f"{path}.partial"
        with self.fs.open(partial, "wb") as out:
            out.write(data)
        self.fs.mv(partial, path)

    def upload(self, key: str, local_path: Path) -> None:
        self.write_bytes(key, Path(local_path).read_bytes())

    def read_bytes(self, key: str) -> bytes:
        with self.fs.open(self._path(key), "rb") as fh:
            return fh.read()

    def open(self, key: str) -> IO[bytes]:
        return self.fs.open(self._path(key), "rb")

    def exists(self, key: str) -> bool:
        return bool(self.fs.exists(self._path(key)))

    def delete_older_than(self, prefix: str, seconds: float) -> int:
        """Delete the files under ``prefix`` last changed more than ``seconds`` ago; how many went."""
        path = self._path(prefix)
        if not self.fs.exists(path):
            return 0
        cutoff = time.time() - seconds
        gone = 0
        for name, info in self.fs.find(path, detail=True).items():
            changed = info.get("mtime") or info.get("LastModified") or info.get("created")
            if isinstance(changed, datetime):
                changed = changed.timestamp()
            if changed is not None and float(changed) < cutoff:
                self.fs.rm(name)
                gone += 1
        return gone

    def delete_prefix(self, prefix: str) -> None:
        """Delete every file under ``prefix`` (a job's folder); nothing happens when there is none."""
        path = self._path(prefix)
        if self.fs.exists(path):
            self.fs.rm(path, recursive=True)


# Files people uploaded to look at before importing them (``application.import_files``).
UPLOADS_PREFIX = "uploads"
# An upload nobody imported is deleted after a day.
UPLOAD_MAX_AGE_S = 86400.0


def upload_key(owner: str, token: str) -> str:
    """Where a person's staged upload lives: under its owner, so nobody else's token reaches it."""
    return f"{UPLOADS_PREFIX}/{re.sub(r'[^A-Za-z0-9_.-]', '_', owner) or '_'}/{token}"


def job_input_key(job_id: str) -> str:
    return f"jobs/{job_id}/input"


def job_file_key(job_id: str, name: str) -> str:
    return f"jobs/{job_id}/files/{name}"


def job_prefix(job_id: str) -> str:
    return f"jobs/{job_id}"
