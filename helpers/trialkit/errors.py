"""The one exception class that trialkit raises for bad input."""

__all__ = ["TrialkitInputError"]


class TrialkitInputError(ValueError):
    """Bad input to a trialkit function.

    Every message names the argument, the value that was received, and how to fix it,
    so that a student never has to read a traceback from deep inside pandas.

    Examples
    --------
    >>> from trialkit import TrialkitInputError
    >>> raise TrialkitInputError("alpha", 1.5, "give a probability between 0 and 1, e.g. 0.05")
    Traceback (most recent call last):
    ...
    trialkit.errors.TrialkitInputError: alpha: received 1.5; give a probability between 0 and 1, e.g. 0.05
    """

    def __init__(self, argument, received, fix):
        self.argument = argument
        self.received = received
        self.fix = fix
        super().__init__(f"{argument}: received {_short(received)}; {fix}")


def _short(value, limit=80):
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."
