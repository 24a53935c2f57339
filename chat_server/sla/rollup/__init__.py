"""The stats rollups (issue 17): closed waits folded into sums per site, UTC day and cell.

The stats over a long period would otherwise scan every wait and compute its length
(and its business length) row by row: seconds over a million waits. Here a job folds
each closed wait once, in the background (:mod:`.fold`): it stores the wait's length
and business length on the row and adds them to the sums of its day
(``wait_rollup``, ``wait_business_rollup``; :mod:`chat_server.model.rollup_tables`).
The stats then read whole days from the sums, and only the rest of a period (its
first and last partial days, the waits not folded yet, and business lengths measured
under hours that have changed since) from the waits, so the figures stay exact.

- :mod:`.cells`: the buckets, the day numbers and the sums, shared with the stats.
- :mod:`.revisions`: which business hours each site keeps now, by revision.
- :mod:`.fold`: the job.
- :mod:`.unfold`: before waits are deleted (retention, erasure), their days go back
  to being read row by row until the job folds what is left of them again.

Closed waits never change, so nothing else has to touch the sums.
"""
