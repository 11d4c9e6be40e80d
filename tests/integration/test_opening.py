"""Opening a ledger: the database URL is never logged with its password."""

from __future__ import annotations

import secrets

import pytest
import sqlalchemy as sa
from structlog.testing import capture_logs

import ledger


class TestCredentials:
    """The password of a database URL never reaches the logs."""

    @pytest.mark.postgres
    def test_the_opened_log_line_masks_the_password(self, postgres_url: str) -> None:
        """`opened` logs the URL with its password replaced by ***, and no log line of an
        open, an append or a verification contains the password."""
        password = "hunter2-" + secrets.token_hex(4)
        url = sa.make_url(postgres_url).set(password=password)
        with capture_logs() as logs, ledger.open(url.render_as_string(hide_password=False)) as lg:
            lg.register_source("ministry", name="Ministry", kind="government")
            lg.verify()
        (opened,) = [entry for entry in logs if entry["event"] == "opened"]
        assert opened["url"] == url.render_as_string(hide_password=True)
        assert ":***@" in opened["url"]
        assert password not in repr(logs)
