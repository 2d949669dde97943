"""The "EDI framework storage" transport: files on SFTP (or FTP, S3, ...) through
``edi_storage_oca`` / ``fs_storage``.

Configured in the framework's screens: the partner's EDI backend has a storage
(``fs.storage``: protocol ``sftp``, options host/port/username/key file, secrets
read from the environment with *Eval options from env*) and its directories:
``output_dir_pending`` receives what we send, ``input_dir_pending`` holds what the
partner sends us, ``input_dir_done`` what we have read.

Sending writes under a temporary name and renames (the partner never sees half
a file).  Reading stores each file as a received exchange *before* moving it to
the done directory: if the move fails the file is read again at the next poll
and, being the same interchange, becomes a *duplicate* (processed once).  Any
storage failure (server down, timeout, refused login) is transient: sending is
retried with backoff, polling tries again at the next run; nothing is lost.
"""

import logging
import posixpath
import uuid

import fsspec

from odoo import api, fields, models

from ..tools.exceptions import PermanentTransportError, TransientTransportError

_logger = logging.getLogger(__name__)

STORAGE = "storage"
# fsspec protocols whose connection takes a ``timeout`` option (seconds)
_TIMEOUT_OPTION = {"sftp": "timeout", "ftp": "timeout"}


# The storage transport is one concern (a file of its own), the framework seam
# another (edi_framework.py): two extensions of the partner on purpose.
class WmsTradingPartner(models.Model):
    _inherit = "wms.trading.partner"  # pylint: disable=consider-merging-classes-inherited

    transport = fields.Selection(
        selection_add=[(STORAGE, "EDI framework storage (SFTP, FTP, S3)")],
        ondelete={STORAGE: "set default"},
    )

    # ------------------------------------------------------------------ adapter
    def _storage_fs(self):
        """``(filesystem, backend)`` of this partner's EDI backend storage: the one
        place a connection is opened (with the partner's timeout)."""
        self.ensure_one()
        backend = self.sudo().edi_backend_id
        storage = backend.storage_id
        if not storage:
            raise PermanentTransportError(
                self.env._(
                    "%(partner)s: its EDI backend has no storage (EDI > Backends).",
                    partner=self.name,
                )
            )
        options = dict(storage._get_fs_options() or {})
        key = _TIMEOUT_OPTION.get(storage.protocol)
        if key:
            options.setdefault(key, self._timeout())
        # a fresh connection each time: a cached one may point at a server that
        # went away (and fsspec would hand it back)
        options["skip_instance_cache"] = True
        try:
            fs = fsspec.filesystem(storage.protocol, **options)
            root = storage.get_directory_path()
            if root:
                fs = fsspec.filesystem("rooted_dir", path=root, fs=fs)
        except Exception as exc:
            raise TransientTransportError(f"{type(exc).__name__}: {exc}") from exc
        return fs, backend

    @staticmethod
    def _storage_close(fs):
        client = getattr(getattr(fs, "fs", fs), "client", None)
        if client is not None:
            client.close()

    def _transport_send(self, exchange):
        if self.transport != STORAGE:
            return super()._transport_send(exchange)
        return self._transport_send_storage(exchange.filename, exchange._payload_bytes())

    def _transport_send_storage(self, filename, payload):
        fs, backend = self._storage_fs()
        folder = backend.output_dir_pending or ""
        final = posixpath.join(folder, filename)
        tmp = posixpath.join(folder, f".{filename}.{uuid.uuid4().hex}.tmp")
        try:
            fs.pipe_file(tmp, payload)
            fs.mv(tmp, final)
        except Exception as exc:
            raise TransientTransportError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self._storage_close(fs)
        return final

    def _transport_receive_directory(self):
        if self.transport != STORAGE:
            return super()._transport_receive_directory()
        try:
            fs, backend = self._storage_fs()
        except TransientTransportError as exc:
            raise OSError(str(exc)) from exc  # the poll logs it and tries again later
        folder = backend.input_dir_pending or ""
        found = []
        try:
            for entry in sorted(fs.ls(folder, detail=True), key=lambda e: e["name"]):
                name = posixpath.basename(entry["name"])
                if name.startswith(".") or entry.get("type") != "file":
                    continue
                path = posixpath.join(folder, name)
                found.append((name, fs.cat_file(path), path))
        except Exception as exc:
            raise OSError(f"{type(exc).__name__}: {exc}") from exc
        finally:
            self._storage_close(fs)
        return found

    def _archive_file(self, path):
        if self.transport != STORAGE:
            return super()._archive_file(path)
        try:
            fs, backend = self._storage_fs()
        except TransientTransportError as exc:
            _logger.warning("wms_bridge: %s: cannot archive %s: %s", self.name, path, exc)
            return path
        done = backend.input_dir_done or posixpath.join(posixpath.dirname(path), "done")
        target = posixpath.join(done, posixpath.basename(path))
        try:
            if not fs.exists(done):
                fs.makedirs(done, exist_ok=True)
            if fs.exists(target):
                target = f"{target}.{uuid.uuid4().hex[:8]}"
            fs.mv(path, target)
        except Exception as exc:
            _logger.warning("wms_bridge: %s: cannot move %s to %s: %s", self.name, path, done, exc)
            return path
        finally:
            self._storage_close(fs)
        return target

    @api.model
    def _cron_poll_inboxes(self):
        result = super()._cron_poll_inboxes()
        self.search([("transport", "=", STORAGE)])._poll_inbox()
        return result
