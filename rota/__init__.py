"""rota: a follow-the-sun on-call rota planner."""

__version__ = "0.1.0"
