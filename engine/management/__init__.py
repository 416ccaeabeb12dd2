"""Management: due jobs (timers) for any number of workers, and the scheduler that polls them."""
