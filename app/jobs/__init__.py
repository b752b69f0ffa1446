"""Background jobs on RQ. The database row (`core_job`) is the truth: RQ only
carries its id, so a lost Redis or a killed worker loses nothing; a worker
re-queues what is waiting when it starts."""

from app.jobs.service import enqueue, job_progress, queue, requeue_waiting, resumable, resume, retry, run

__all__ = ["enqueue", "job_progress", "queue", "requeue_waiting", "resumable", "resume", "retry", "run"]
