"""The sending settings (Admin → Campaign sending), read afresh by the job
before each batch so an admin's change applies mid-send."""

from __future__ import annotations

from dataclasses import dataclass

from app import settings

MODULE = "marketing"
DEFAULTS = {
    "send_batch_size": 200,
    "send_rate_per_second": 0,  # 0: as fast as the server takes them
    "send_hourly_cap": 0,  # 0: no cap
    "send_daily_cap": 0,
    "send_pause_share": 20,  # percent of a batch failing that pauses the campaign
    "send_bounce_domain": "",  # VERP: bounces+<token>@this domain
    "dkim_selector": "",
    "dkim_domain": "",
    "dkim_private_key": "",
}


@dataclass(frozen=True)
class Options:
    batch_size: int
    rate: int
    hourly_cap: int
    daily_cap: int
    pause_share: int
    bounce_domain: str
    dkim_selector: str
    dkim_domain: str
    dkim_key: str

    @property
    def dkim(self) -> bool:
        return bool(self.dkim_selector and self.dkim_domain and self.dkim_key)


def _int(value, default: int) -> int:
    try:
        return max(0, int(value))
    except (TypeError, ValueError):
        return default


def current() -> Options:
    settings.forget()
    s = settings.get_all(MODULE)
    return Options(batch_size=max(1, _int(s.get("send_batch_size"), 200)),
                   rate=_int(s.get("send_rate_per_second"), 0),
                   hourly_cap=_int(s.get("send_hourly_cap"), 0),
                   daily_cap=_int(s.get("send_daily_cap"), 0),
                   pause_share=_int(s.get("send_pause_share"), 20),
                   bounce_domain=(s.get("send_bounce_domain") or "").strip().lower(),
                   dkim_selector=(s.get("dkim_selector") or "").strip(),
                   dkim_domain=(s.get("dkim_domain") or "").strip().lower(),
                   dkim_key=(s.get("dkim_private_key") or "").strip())
