"""Response-time statistics: every number the stats API, the CSV and the dashboard show.

Owns the definitions (:mod:`.figures`, pure), the SQL that reads them exactly on both
backends (:mod:`.sql` holds every dialect difference, :mod:`.buckets` and :mod:`.scans`
the percentile scans), and the shapes built from them (response times, series,
overview, waiting now, the CSV rows). Read-only: it never writes.

May import: ``sla`` (policies, business hours), ``storage``, ``model``, ``wire`` views.
Never: ``web``, sockets, frames.
"""
