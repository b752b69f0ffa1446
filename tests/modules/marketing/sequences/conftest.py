"""The real SMTP server (aiosmtpd on 127.0.0.1) and the job runner."""

from tests.browser.conftest import link_in, run_jobs, smtp  # noqa: F401
