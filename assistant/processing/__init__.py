"""Processing reviews: the pipeline, where its results are stored, and what runs it (in-process workers, SAQ
jobs, bulk runs with their rate limits and buffered call log)."""
