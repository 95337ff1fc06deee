import attendance.tasks  # noqa: F401 - registers the engine's tasks with Celery (see the report: web processes need it too)
