"""Committing a stream, and the run lease that makes this run the only writer of its company.

Each stream commits alone (rows + tombstones + new state in one destination transaction), and
only while this run still holds the lease: the destination checks it again inside the commit.
"""

from __future__ import annotations

from loader import lease
from loader.destinations.base import LeaseHeldError, StreamCommit
from loader.engine.context import RunContext, StreamResult
from loader.errors import LeaseError


def take_lease(rc: RunContext) -> lease.Heartbeat:
    """The company's run lease, kept alive by a heartbeat for as long as this run lives."""
    ttl = rc.x.lease_ttl_seconds
    lease.register_live(rc.sync_id)
    try:
        rc.dest.acquire_lease(rc.company_id, rc.sync_id, ttl, lease.current_owner().text())
    except LeaseHeldError as exc:
        lease.unregister_live(rc.sync_id)
        raise LeaseError(f"another run of this connection is in progress: {exc}") from None
    except BaseException:
        lease.unregister_live(rc.sync_id)
        raise
    dest, cid, sid = rc.dest, rc.company_id, rc.sync_id
    return lease.Heartbeat(sid, ttl, lambda: dest.renew_lease(cid, sid, ttl)).start()


def commit(rc: RunContext, heartbeat: lease.Heartbeat | None, result: StreamResult,
           stream_commit: StreamCommit) -> None:
    if heartbeat is not None and heartbeat.lost:
        raise LeaseError(f"this run lost the run lease of company {rc.company_id} to another run; "
                         f"stream {stream_commit.stream} was not committed")
    # The destination checks again, inside the commit's transaction.
    stream_commit.check_lease = True
    cr = rc.dest.commit_stream(stream_commit)
    result.inserted, result.updated, result.unchanged, result.deleted = (
        cr.inserted, cr.updated, cr.unchanged, cr.deleted)


def committed_note(dry_run: bool, committed: list[str]) -> str:
    """What an interrupted or failed run leaves behind, in words (each stream commits alone)."""
    if dry_run:
        return "nothing was written (dry run)."
    if not committed:
        return "no stream of this run was committed; the warehouse is as it was before the run."
    return (f"committed before the stop and kept: {', '.join(committed)}; "
            "the other streams are as they were and the next run reads them.")
