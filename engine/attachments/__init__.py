"""Attachments (附件) on a case or one of its tasks: rows in the database, bytes in a store.

The store is small and pluggable: ``put(stream, max_bytes) -> (key, size, sha256)``,
``open(key)`` and ``discard(key, older_than)``. The default keeps files in a local folder, named by their SHA-256
(``TONGBAN_ATTACHMENT_DIR``, else ``attachments/`` under ``TONGBAN_DATA_DIR``, else
``./data``). Limits: ``TONGBAN_ATTACHMENT_MAX_BYTES`` (20 MiB) and the file types below,
told by the name's extension, never by what the client claims.
"""
import hashlib
import os
import tempfile
from pathlib import Path

TYPES = {
    ".pdf": "application/pdf", ".ofd": "application/ofd", ".jpg": "image/jpeg", ".jpeg": "image/jpeg",
    ".png": "image/png", ".txt": "text/plain", ".doc": "application/msword",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".xls": "application/vnd.ms-excel",
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".zip": "application/zip",
}
DEFAULT_MAX_BYTES = 20 * 1024 * 1024


def max_bytes():
    return int(os.environ.get("TONGBAN_ATTACHMENT_MAX_BYTES", DEFAULT_MAX_BYTES))


class TooLarge(Exception):
    pass


class LocalStore:
    """Files under one folder, content-addressed: the same bytes are stored once."""

    def __init__(self, root):
        self.root = Path(root)

    def put(self, stream, limit):
        self.root.mkdir(parents=True, exist_ok=True)
        digest, size = hashlib.sha256(), 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while chunk := stream.read(64 * 1024):
                    size += len(chunk)
                    if size > limit:
                        raise TooLarge()
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            key = f"{sha[:2]}/{sha}"
            (self.root / sha[:2]).mkdir(exist_ok=True)
            os.replace(tmp, self.root / key)
            return key, size, sha
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def open(self, key):
        return (self.root / key).open("rb")

    def discard(self, key, older_than):
        """Remove bytes no row names any more; a file written since ``older_than`` (the same bytes
        uploaded again meanwhile) stays."""
        path = self.root / key
        try:
            if path.stat().st_mtime < older_than.timestamp():
                path.unlink()
        except FileNotFoundError:
            pass


from .service import AttachmentService  # noqa: E402  (it uses the names above)

__all__ = ["AttachmentService", "LocalStore", "TYPES", "default_store"]


def default_store():
    root = os.environ.get("TONGBAN_ATTACHMENT_DIR") or \
        os.path.join(os.environ.get("TONGBAN_DATA_DIR", "data"), "attachments")
    return LocalStore(root)
