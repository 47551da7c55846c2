"""Queue and task names: the contract between the services.

Services send tasks by these names and never import one another's task functions, so a worker
only needs its own code. Routing is by name prefix (see `shared.celery_app`).
"""

from __future__ import annotations

INGEST_QUEUE = "ingest"
TRANSLATE_QUEUE = "translate"
PUBLISH_QUEUE = "publish"
QUEUES = (INGEST_QUEUE, TRANSLATE_QUEUE, PUBLISH_QUEUE)

#: Sends outbox messages that the after-commit hook could not (broker down at the time).
RELAY_OUTBOX = "syndikat.ingest.relay_outbox"

#: Removes what retention lets go (sent outbox messages, old attempts, ...): services.retention.
PRUNE = "syndikat.ingest.prune"

#: Queues a poll of every enabled feed or folder source whose poll interval has come round.
POLL_SOURCES = "syndikat.ingest.poll_sources"
#: Reads one source's feed or folder once and takes in what is new: kwargs `source_id`.
POLL_SOURCE = "syndikat.ingest.poll_source"

#: Fetches, checks and stores the pictures of one story version, then lets it go on to be
#: translated (or holds it, as its source's picture policy says): kwargs `story_version_id`.
FETCH_PICTURES = "syndikat.ingest.fetch_pictures"

#: Renders one stored story version into English: kwargs `story_version_id`.
TRANSLATE_VERSION = "syndikat.translate.translate_version"
#: Re-queues versions that waited for an engine that was not available.
RETRY_WAITING_TRANSLATIONS = "syndikat.translate.retry_waiting"
#: Re-queues stories whose translation task was lost (received or translating for too long).
REQUEUE_STALLED_TRANSLATIONS = "syndikat.translate.requeue_stalled"

#: Creates one delivery per matching partner for a version and sends them: `story_version_id`.
FAN_OUT = "syndikat.publish.fan_out"
#: Attempts one delivery: kwargs `delivery_id`.
DELIVER = "syndikat.publish.deliver"
#: Sends every delivery whose `next_attempt_at` has come.
SWEEP_DELIVERIES = "syndikat.publish.sweep_deliveries"
#: Sends a partner a test delivery and keeps its answer for the dashboard: kwargs `partner_id`.
PROBE_PARTNER = "syndikat.publish.probe_partner"
#: Re-queues fan-outs that were lost (translated or killed stories that never went out).
REQUEUE_STALLED_PUBLICATIONS = "syndikat.publish.requeue_stalled"


def queue_for(task_name: str) -> str:
    """`syndikat.<queue>.<task>` names route to `<queue>`."""
    parts = task_name.split(".")
    if len(parts) < 3 or parts[0] != "syndikat" or parts[1] not in QUEUES:
        raise ValueError(f"task name {task_name!r} does not follow syndikat.<queue>.<task>")
    return parts[1]
