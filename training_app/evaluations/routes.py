from . import bp  # noqa: F401  (routes are added in issue 4)
