"""The one parent of every domain error: a rule refused the change, and the message says why.

Views catch ``DomainError`` (or an app's subclass) and show ``str(error)`` to the user;
``field`` names the form field the error is about, or is None when it concerns the whole form.
"""


class DomainError(Exception):
    """A domain rule refused the change; the message is meant for the user."""

    def __init__(self, *args: object, field: str | None = None) -> None:
        super().__init__(*args)
        self.field = field
