"""The one error the file readers raise (`reading.FileProblem` to callers)."""


class FileProblem(ValueError):
    """A file that cannot be imported, with a message for people."""
