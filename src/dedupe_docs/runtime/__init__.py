"""Threads and Ray tasks, memory, files, JSON lines, progress: machinery that knows no documents."""
