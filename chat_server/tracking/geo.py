"""IP geolocation with a City database in MaxMind's format.

One :class:`GeoLocator` wraps one open ``geoip2.database.Reader`` for the
lifetime of the process. The reader memory-maps the file and is safe to share
between threads and coroutines; lookups do no other I/O, and their results are
cached per address (a visitor's every reconnection asks again).

Any GeoIP2 / GeoLite2 City database works, and so does DB-IP City Lite, the free
one the project installs by default (:mod:`chat_server.tracking.geo_data`). That
one has no time zones: they are derived offline from its coordinates with
``timezonefinder``.
"""

from __future__ import annotations

import ipaddress
import os
from functools import lru_cache
from types import TracebackType
from typing import Any

import geoip2.database
import geoip2.errors
import maxminddb
from timezonefinder import TimezoneFinder

__all__ = ["GeoDatabaseError", "GeoLocator"]

# The fields of the Visitor "geo" object (docs: CONTRACT.md section 3).
GEO_FIELDS = ("country_code", "country", "city", "region", "timezone")
#: Addresses whose answers are kept; past that the least recently asked are forgotten.
CACHE_SIZE = 8192
#: Place names in the first of these the database has (DB-IP Lite and GeoLite2 have no Turkish).
LOCALES = ["tr", "en"]
#: Databases known to carry time zones; others get theirs from coordinates, prepared at start.
_HAS_TIME_ZONES = ("GeoIP2", "GeoLite2")


class GeoDatabaseError(ValueError):
    """The GeoIP database file is missing, unreadable, or not a City database."""


class GeoLocator:
    """Looks up where an IP address is: place names in Turkish where the database has
    them, else English; the time zone from the database or else from the coordinates."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        try:
            reader = geoip2.database.Reader(self.path, locales=LOCALES)
        except FileNotFoundError:
            raise GeoDatabaseError(f"GeoIP database {self.path!r} does not exist") from None
        except IsADirectoryError:
            raise GeoDatabaseError(
                f"GeoIP database {self.path!r} is a directory, not an .mmdb file"
            ) from None
        except PermissionError:
            raise GeoDatabaseError(
                f"GeoIP database {self.path!r} cannot be read (permission denied)"
            ) from None
        except (maxminddb.InvalidDatabaseError, ValueError) as exc:
            raise GeoDatabaseError(
                f"GeoIP database {self.path!r} is not a valid MaxMind DB file ({exc})"
            ) from None
        except OSError as exc:
            raise GeoDatabaseError(
                f"GeoIP database {self.path!r} cannot be read ({exc.strerror or exc})"
            ) from None
        database_type = str(reader.metadata().database_type)
        if "City" not in database_type:
            reader.close()
            raise GeoDatabaseError(
                f"GeoIP database {self.path!r} is a {database_type!r} database; "
                "a GeoIP2 or GeoLite2 City database is needed"
            )
        self.database_type = database_type
        self._reader: geoip2.database.Reader | None = reader
        self._zones: TimezoneFinder | None = None
        if not database_type.startswith(_HAS_TIME_ZONES):
            self._zones = TimezoneFinder()  # about a second: now, not at a visitor's hello
        self._cached = lru_cache(maxsize=CACHE_SIZE)(self._lookup)

    def locate(self, ip: str | None) -> dict[str, str | None] | None:
        """Where ``ip`` is: ``{"country_code", "country", "city", "region", "timezone"}``.

        Names are Turkish where the database has them, else English; any unknown
        field is None. Returns None for a
        missing, malformed, private or otherwise non-public address, for one the
        database does not know, and after :meth:`close`. Never raises.
        """
        if self._reader is None or not ip or not isinstance(ip, str):
            return None
        found = self._cached(ip)
        return dict(found) if found is not None else None

    def _lookup(self, ip: str) -> dict[str, str | None] | None:
        reader = self._reader
        if reader is None:
            return None
        try:
            address = ipaddress.ip_address(ip.strip())
        except ValueError:
            return None
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
            address = address.ipv4_mapped
        if not address.is_global:
            return None
        try:
            response = reader.city(address)
        except (
            geoip2.errors.GeoIP2Error,  # AddressNotFoundError among them
            maxminddb.InvalidDatabaseError,
            ValueError,
            TypeError,
            OSError,
        ):
            return None
        result: dict[str, str | None] = {
            "country_code": _text(response.country.iso_code),
            "country": _text(response.country.name),
            "city": _text(response.city.name),
            "region": _text(response.subdivisions.most_specific.name),
            "timezone": _text(response.location.time_zone) or self._zone_at(response.location),
        }
        if all(value is None for value in result.values()):
            return None
        return result

    def _zone_at(self, location: Any) -> str | None:
        latitude, longitude = location.latitude, location.longitude
        if latitude is None or longitude is None:
            return None
        if self._zones is None:
            self._zones = TimezoneFinder()
        try:
            return _text(self._zones.timezone_at(lng=longitude, lat=latitude))
        except ValueError:  # coordinates out of range
            return None

    def close(self) -> None:
        """Closes the database; later lookups return None. Safe to call twice."""
        reader, self._reader = self._reader, None
        self._cached.cache_clear()
        if reader is not None:
            reader.close()

    def __enter__(self) -> GeoLocator:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "open" if self._reader is not None else "closed"
        return f"<GeoLocator {self.path!r} {state}>"


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
