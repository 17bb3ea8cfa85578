"""Batch backlog processing: `assistant batch import FILE` turns a platform export into drafted reviews.

Two steps, both idempotent, so a run killed at any point (even `kill -9`) is finished by running it again:

1. **import** (`reader` → `importer`): each row of the CSV/JSONL file is read as bytes, decoded on its own
   line (undecodable lines are reported, not fatal), mapped to a `ReviewIn` and stored through the same
   `ReviewService.ingest` as the API, committed row by row. Its identity is the file's id column (unique per
   `--source`), else an idempotency key derived from the row's content, so a re-import finds what exists.
2. **process** (`runner`): the reviews *of this file* that still need work go through the same
   `Pipeline.process` as the service (idempotent per review: it never drafts twice). "Need work" means
   status `received` or `processing` (a run that died mid-review), or `failed` with fewer than
   `--max-attempts` attempts (which is reset to `received` and tried again). Reviews already drafted,
   approved or rejected are skipped. Scoping to the file's rows (rather than "everything of this source")
   keeps a batch from taking over reviews the live service is handling.

Without `ASSISTANT_QUEUE_URL` the processing runs in this process: `--concurrency` model requests at once,
behind a shared rate limiter (`limits`), with three times as many reviews in flight so that one review's
classification, guard and database work overlaps the others' model calls, and results stored in groups
(`assistant.processing.results.GroupWriter`); like the service's in-process dispatcher, it then assumes it is the only
one processing these reviews. With the variable set, the reviews are enqueued on SAQ (`assistant.processing.saq_jobs`), one job
per review, for `assistant worker` processes, and the command waits (unless `--no-wait`), showing progress
read from the database; a run killed while waiting is resumed the same way, since enqueueing is keyed.
"""

# An in-process batch's text process (assistant/cpu.py) warms up with this, by name: the program starts it as it
# starts (early.start_early), so that its ~1.5 s of imports and tables load on the other core meanwhile.
TEXT_WARM_UP = "assistant.domain.drafting.warm_up:warm_up"
