"""A real SFTP server for the tests: OpenSSH's sshd on a free loopback port, with
a host key and a client key pair made for the run, serving a temporary folder
(internal-sftp).  Nothing outside 127.0.0.1 is contacted."""

import os
import shutil
import socket
import subprocess
import tempfile
import time

SSHD = shutil.which("sshd") or "/usr/sbin/sshd"


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class LoopbackSftpServer:
    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="wms_sftp_")
        self.data = os.path.join(self.root, "data")
        for folder in ("inbox", "outbox", "done"):
            os.makedirs(os.path.join(self.data, folder))
        self.host_key = os.path.join(self.root, "host_ed25519")
        self.client_key = os.path.join(self.root, "client_ed25519")
        for key in (self.host_key, self.client_key):
            subprocess.run(
                ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key],
                check=True,
                timeout=30,
            )
        shutil.copy(self.client_key + ".pub", os.path.join(self.root, "authorized_keys"))
        self.port = free_port()
        self.user = os.environ.get("USER") or "root"
        self.config = os.path.join(self.root, "sshd_config")
        with open(self.config, "w", encoding="ascii") as handle:
            handle.write(
                f"Port {self.port}\n"
                "ListenAddress 127.0.0.1\n"
                f"HostKey {self.host_key}\n"
                f"PidFile {self.root}/sshd.pid\n"
                f"AuthorizedKeysFile {self.root}/authorized_keys\n"
                "PubkeyAuthentication yes\n"
                "PasswordAuthentication no\n"
                "KbdInteractiveAuthentication no\n"
                "PermitRootLogin prohibit-password\n"
                "StrictModes no\n"
                "UsePAM no\n"
                "Subsystem sftp internal-sftp\n"
            )
        self.process = None

    def start(self):
        os.makedirs("/run/sshd", exist_ok=True)  # sshd's privilege separation directory
        self.process = subprocess.Popen(
            [SSHD, "-D", "-e", "-f", self.config],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("sshd did not start")

    def stop(self):
        if self.process is not None:
            self.process.terminate()
            self.process.wait(timeout=10)
            self.process = None

    def cleanup(self):
        self.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def path(self, *parts):
        return os.path.join(self.data, *parts)

    def options(self):
        """fs_storage options (JSON) of an sftp storage logging in with our key."""
        return {
            "host": "127.0.0.1",
            "port": self.port,
            "username": self.user,
            "key_filename": self.client_key,
            "look_for_keys": False,
            "allow_agent": False,
        }
