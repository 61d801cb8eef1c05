"""The SMTP sink `make up` runs: every message the shop sends lands in `.run/mail/new/`."""

from __future__ import annotations

import email
import smtplib
import socket
import subprocess
import time
from email.message import EmailMessage
from pathlib import Path

import pytest
from helpers import free_port

from shopkit_platform import runner

pytestmark = pytest.mark.integration


def _wait_port(port: int, seconds: float = 10) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise AssertionError(f"the mail sink did not listen on {port} in {seconds}s")


@pytest.mark.parametrize("existing", [False, True], ids=["fresh", "existing-empty-folder"])
def test_a_message_sent_to_the_sink_lands_in_new(tmp_path: Path, existing: bool) -> None:
    mail_dir = tmp_path / ".run" / "mail"
    if existing:  # what an earlier `make up` left behind: the folder, without tmp/new/cur
        mail_dir.mkdir(parents=True)
    port = free_port()
    log = (tmp_path / "mail-sink.log").open("wb")
    sink = subprocess.Popen(
        runner.mail_sink_command(f"127.0.0.1:{port}", mail_dir), stdout=log, stderr=log
    )
    try:
        _wait_port(port)
        message = EmailMessage()
        message["From"] = "shop@shopkit.local"
        message["To"] = "ada@example.com"
        message["Subject"] = "Reset your Shopkit password"
        message.set_content("Open http://localhost:8080/reset-password?token=abc")
        with smtplib.SMTP("127.0.0.1", port, timeout=5) as smtp:
            refused = smtp.send_message(message)
        assert refused == {}
        delivered: list[Path] = []
        deadline = time.monotonic() + 5
        while not delivered and time.monotonic() < deadline:
            delivered = list((mail_dir / "new").glob("*"))
            time.sleep(0.05)
        assert len(delivered) == 1, (tmp_path / "mail-sink.log").read_text()
        kept = email.message_from_bytes(delivered[0].read_bytes())
        assert kept["Subject"] == "Reset your Shopkit password"
        assert kept["To"] == "ada@example.com"
        assert "reset-password?token=abc" in kept.get_payload()
        assert {p.name for p in mail_dir.iterdir()} >= {"tmp", "new", "cur"}
    finally:
        sink.terminate()
        sink.wait(timeout=10)
        log.close()
