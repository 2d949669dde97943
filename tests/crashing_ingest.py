"""The real ingestion service with one fault injected, for the poison-loop test.

Run as ``python3 tests/crashing_ingest.py -c <conf>``: the service's own entry point,
except that its database process kills itself (SIGKILL: no handler, no cleanup, as a
segfault in a C extension or the kernel's OOM killer would) when it is handed a
payload containing ``CRASH-ME``.  Validation can no longer raise on any input (the
hostile and fuzz suites show it), so the only way to reproduce a message that kills
the service is to inject the death; everything else is the shipped code.
"""

import os
import signal
import sys
import types
from pathlib import Path

ADDON = Path(__file__).resolve().parents[1] / "addons" / "coldchain_sites"
package = types.ModuleType("coldchain_sites")
package.__path__ = [str(ADDON)]
sys.modules["coldchain_sites"] = package

from coldchain_sites.services.ingest import service  # noqa: E402

TRIGGER = b"CRASH-ME"
_validate = service.DatabaseWorker._validate


def _validate_or_die(self, topic, payload, received_us, retain, oversize):
    if TRIGGER in payload:
        os.kill(os.getpid(), signal.SIGKILL)
    return _validate(self, topic, payload, received_us, retain, oversize)


service.DatabaseWorker._validate = _validate_or_die

if __name__ == "__main__":
    sys.exit(service.main())
