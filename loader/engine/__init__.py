"""The extraction engine, split by concern; it never names a stream (loader/streams/registry.py).

- run.py       the run: identify the company, take the lease, each selected stream in order,
               committed on a commit thread while the next stream is read
- context.py   what the run shares (RunContext) and one stream's read (StreamJob)
- windows.py   planning: version and date windows, bookmarks, sweep timing, date partitions
- listing.py   listing and paging side by side, detail batches, the bounded hand-off
- lists.py     kind "list": variants, windows, listings, tombstones from complete listings
- sweeps.py    linked sweeps (records re-created under a new id)
- children.py  fan-out reads per parent id, and per-(currency, day) lookups
- reports.py   kind "reports": month-end report requests, settled periods skipped
- objects.py   kind "object": one object per company
- commit.py    the run lease and one commit per stream
"""
