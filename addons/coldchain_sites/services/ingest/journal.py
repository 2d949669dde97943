"""Crash journal of the ingestion service: a message that kills the service is
dead-lettered after ``poison_after`` deaths instead of coming back forever.

Validation and writes never raise on a message's data (see ``service``), but a
process can still die on one: a fault in a C extension, the kernel's OOM killer,
a bug nobody foresaw.  Such a message is never acknowledged, so the broker hands it
back after every restart and the service dies again, in a loop, with every site's
telemetry queued behind it.  The journal breaks that loop:

* before a batch goes to the database process, the receiving process appends
  ``S <batch> <digest>,<digest>…`` (a 128-bit BLAKE2b of each message's topic and
  payload); once the batch is committed, or given up for a reason that is not a
  crash (database down at a stop), it appends ``C <batch>``;
* at start, the batches with an ``S`` and no ``C`` were with the database when the
  service died: each of their messages is a *suspect* and its death count goes up
  (kept in ``<name>.suspects`` beside the journal, replaced atomically), then the
  journal starts afresh;
* a suspect is handled apart from the traffic: with one death it travels in a small
  batch of suspects, with two or more alone (and nothing else is with the database
  meanwhile, so a death is counted against that message only); once committed it is
  a suspect no more;
* a message that has been with the database ``poison_after`` times when the service
  died is not processed again: it becomes a ``poison_message`` dead letter (its
  first bytes, size and SHA-256) and is acknowledged after that commit.

A message that only happened to be in flight when an operator killed the service
(SIGKILL, a host reboot) gets one death and is then stored normally.  The files
are small: the journal holds at most the batches in flight between two
compactions, the suspects file at most ``MAX_SUSPECTS`` digests.  Losing them
(a new container) loses only the counts: the loop breaks ``poison_after`` deaths
later.  Nothing here imports Odoo.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import re
from pathlib import Path

_logger = logging.getLogger("coldchain.ingest")

DIGEST_BYTES = 16
MAX_SUSPECTS = 100_000  # digests remembered; beyond it the oldest are forgotten
COMPACT_BYTES = 4 * 1024 * 1024  # journal size that triggers a restart of the file when idle


def message_digest(topic: str, payload: bytes, oversize=None) -> str:
    """Identity of a message across redeliveries (the broker gives it a new id)."""
    digest = hashlib.blake2b(digest_size=DIGEST_BYTES)
    digest.update(topic.encode("utf-8", "backslashreplace"))
    digest.update(b"\0")
    digest.update(payload if isinstance(payload, bytes) else repr(payload).encode())
    if oversize:
        digest.update(b"\0%d\0" % oversize[0])
        digest.update(oversize[1])
    return digest.hexdigest()


def replay(lines) -> list[str]:
    """Digests of the batches started and never settled (pure: lines in, digests out)."""
    open_batches: dict[str, list[str]] = {}
    for line in lines:
        parts = line.split()
        if len(parts) == 3 and parts[0] == "S":
            open_batches[parts[1]] = [d for d in parts[2].split(",") if d]
        elif len(parts) == 2 and parts[0] == "C":
            open_batches.pop(parts[1], None)
        # anything else is a line cut by the crash itself: ignored
    return [digest for digests in open_batches.values() for digest in digests]


class CrashJournal:
    """The receiving process's journal of batches in flight, and the suspects."""

    def __init__(self, directory: str | os.PathLike, name: str, poison_after: int = 3):
        self.directory = Path(directory)
        name = re.sub(r"[^A-Za-z0-9_.-]", "_", name)[:100] or "ingest"
        self.path = self.directory / f"{name}.journal"
        self.suspects_path = self.directory / f"{name}.suspects"
        self.poison_after = max(1, poison_after)
        self.suspects: dict[str, int] = {}
        self.handle = None
        self.open_batches = 0

    # ------------------------------------------------------------------ start
    def open(self) -> int:
        """Count the deaths of the messages left in flight; returns how many there
        were.  A journal that cannot be written disables the breaker (logged), it
        never stops the service."""
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            self.suspects = self._load_suspects()
            crashed = []
            if self.path.exists():
                with self.path.open(encoding="ascii", errors="replace") as handle:
                    crashed = replay(handle)
            for digest in crashed:  # re-inserted: the newest are the last forgotten
                self.suspects[digest] = self.suspects.pop(digest, 0) + 1
            if crashed:
                worst = max(self.suspects[d] for d in crashed)
                self._trim()
                self._save_suspects()
                _logger.warning(
                    "the service died with %d message(s) in flight (worst: %d death(s); "
                    "dead-lettered as poison_message at %d)",
                    len(crashed),
                    worst,
                    self.poison_after,
                )
            self.handle = self.path.open("w", encoding="ascii")
            return len(crashed)
        except OSError as error:
            _logger.error(
                "crash journal %s unusable (%s): a message that kills the service "
                "will not be dead-lettered",
                self.path,
                error,
            )
            self.handle = None
            return 0

    def _load_suspects(self) -> dict[str, int]:
        try:
            data = json.loads(self.suspects_path.read_text(encoding="ascii"))
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as error:
            _logger.warning(
                "suspects file %s unreadable (%s): starting afresh", self.suspects_path, error
            )
            return {}
        if not isinstance(data, dict):
            return {}
        return {
            k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, int) and v > 0
        }

    def _trim(self) -> None:
        excess = len(self.suspects) - MAX_SUSPECTS
        if excess > 0:  # dicts keep insertion order: forget the oldest
            for digest in list(self.suspects)[:excess]:
                del self.suspects[digest]

    def _save_suspects(self) -> None:
        temporary = self.suspects_path.with_suffix(".tmp")
        try:
            temporary.write_text(json.dumps(self.suspects), encoding="ascii")
            os.replace(temporary, self.suspects_path)
        except OSError as error:
            _logger.error("suspects file %s not saved: %s", self.suspects_path, error)

    # ---------------------------------------------------------------- running
    def deaths(self, digest: str) -> int:
        return self.suspects.get(digest, 0)

    def _append(self, line: str) -> None:
        if self.handle is None:
            return
        try:
            self.handle.write(line)
            self.handle.flush()  # in the kernel's cache: survives the process's death
        except OSError as error:
            _logger.error("crash journal %s not written: %s", self.path, error)

    def sent(self, batch_id: int, digests: list[str]) -> None:
        self.open_batches += 1
        self._append(f"S {batch_id} {','.join(digests)}\n")

    def settled(self, batch_id: int, digests: list[str], committed: bool) -> None:
        """The batch left the database process's hands without a death."""
        self.open_batches -= 1
        self._append(f"C {batch_id}\n")
        if committed and self.suspects:
            cleared = [d for d in digests if d in self.suspects]
            if cleared:
                for digest in cleared:
                    del self.suspects[digest]
                self._save_suspects()
        if not self.open_batches and self.handle is not None:
            with contextlib.suppress(OSError):
                if self.handle.tell() > COMPACT_BYTES:
                    self.handle.seek(0)
                    self.handle.truncate()

    def close(self) -> None:
        if self.handle is not None:
            with contextlib.suppress(OSError):
                self.handle.close()
            self.handle = None
