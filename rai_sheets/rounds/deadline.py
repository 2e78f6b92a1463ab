"""A round's deadline, inclusive, in the round's time zone; and the times returns arrived.

`--deadline 2026-11-27` means what the invitation says, "please return by 2026-11-27": a return
received at any moment of that day, in the round's time zone, is on time, and one received
from midnight on is late. A deadline with a time (`2026-11-27T17:00`) is on time up to and
including that minute's start. The time zone is the round's (`distribute --timezone`, by
default the machine's), so a round run from Paris does not move when a laptop travels.
"""

from __future__ import annotations

import contextlib
import os
import re
from dataclasses import dataclass
from datetime import datetime, time, timedelta, timezone, tzinfo
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

OFFSET = re.compile(r"^(?:UTC)?([+-])(\d{2}):?(\d{2})$")


@dataclass(frozen=True)
class Deadline:
    given: str  # as stored: 2026-11-27, or 2026-11-27T17:00
    timezone: str  # Europe/Paris, or a fixed offset such as +01:00
    on_time_until: datetime  # the last second that is on time, in the round's time zone

    @property
    def whole_day(self) -> bool:
        return "T" not in self.given

    @property
    def shown(self) -> str:
        """How messages show it: the day, or the day and time."""
        return self.given if self.whole_day else self.given.replace("T", " ")[:16]

    def is_late(self, when: datetime) -> bool:
        return aware(when).replace(microsecond=0) > self.on_time_until

    def phrase(self) -> str:
        """The deadline in words: "the end of 2026-11-27, Europe/Paris"."""
        what = f"the end of {self.given}" if self.whole_day else self.shown
        return f"{what}, {self.timezone}"

    def describe(self) -> str:
        """One sentence for round.json: what counts as on time."""
        until = self.on_time_until.isoformat()
        return f"returns received up to {self.phrase()} ({until}) are on time; later ones are late"


def parse_deadline(text: str, tz_name: str) -> Deadline:
    """The deadline as given (a day, or a day and time) in the round's time zone.

    A time of exactly 00:00:00 is read as the whole day: that is how earlier versions stored
    a day, and nobody sets a deadline at the first second of a day.
    """
    tz = zone(tz_name)
    try:
        moment = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValueError(
            f'"{text}" is not a date: give the deadline as 2026-12-15 (or 2026-12-15T17:00).'
        ) from None
    if moment.tzinfo is None and moment.time() == time(0):
        day = moment.date()
        end = datetime.combine(day, time(23, 59, 59), tz)  # the offset in force that day
        return Deadline(day.isoformat(), tz_name, end)
    moment = moment.replace(microsecond=0)
    local = moment.replace(tzinfo=tz) if moment.tzinfo is None else moment.astimezone(tz)
    given = moment.isoformat(timespec="minutes" if moment.second == 0 else "seconds")
    return Deadline(given, tz_name, local)


def zone(name: str) -> tzinfo:
    """A time zone by IANA name (Europe/Paris) or fixed offset (+01:00, UTC-05:00)."""
    match = OFFSET.match(name.strip())
    if match:
        sign, hours, minutes = match.groups()
        delta = timedelta(hours=int(hours), minutes=int(minutes))
        return timezone(-delta if sign == "-" else delta)
    try:
        return ZoneInfo(name.strip())
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f'"{name}" is not a time zone: give a name such as Europe/Paris or America/Toronto, '
            "or an offset such as +01:00."
        ) from None


def machine_timezone() -> str:
    """The machine's time zone by name where the system says it, else its current offset."""
    candidates = [os.environ.get("TZ", "").lstrip(":")]
    localtime = Path("/etc/localtime")
    if localtime.is_symlink():
        target = str(localtime.resolve())
        candidates.append(target.split("zoneinfo/", 1)[1] if "zoneinfo/" in target else "")
    with contextlib.suppress(OSError):
        candidates.append(Path("/etc/timezone").read_text(encoding="utf-8").strip())
    for name in candidates:
        if name and not OFFSET.match(name):
            try:
                ZoneInfo(name)
                return name
            except (ZoneInfoNotFoundError, ValueError):
                continue
    offset = datetime.now().astimezone().strftime("%z")
    return f"{offset[:3]}:{offset[3:]}"


def aware(when: datetime) -> datetime:
    """A naive time is the machine's local time (how earlier versions stored arrivals)."""
    return when.astimezone() if when.tzinfo is None else when


def parse_time(text: str) -> datetime | None:
    """An arrival time as stored (ISO, with or without offset), or None."""
    try:
        return aware(datetime.fromisoformat(text)) if text else None
    except ValueError:
        return None
