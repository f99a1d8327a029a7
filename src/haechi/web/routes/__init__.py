"""The pages, one router per area; each route names its action with ``require``."""
