"""Tasks: the inbox and what clerks do with a task."""
