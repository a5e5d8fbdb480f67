"""Sample captures shipped with deltasnap (``deltasnap replay --sample``)."""
