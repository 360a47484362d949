"""The exceptions goodhart raises.

Every error from goodhart's Rust core arrives as one of these classes. Each also derives from the
built-in exception a Python programmer would try first (``ValueError``, ``LookupError``,
``TypeError``, ``RuntimeError``, ``OSError``), so ``except ValueError`` keeps working::

    GoodhartError
    ├── InputError              (ValueError)    a malformed scenario or experiment file
    ├── InvalidValueError       (ValueError)    a value outside its valid range or form
    │   └── InvalidActionError                  an action out of range, of the wrong type, NaN
    ├── UnknownNameError        (LookupError)   an unknown scenario, variant, optimizer, ...
    │   └── UnknownParameterError (TypeError)   an unknown scenario parameter (keyword argument)
    ├── StateError              (RuntimeError)  a call in the wrong state
    │   └── ResetNeeded         (gymnasium.error.ResetNeeded)  step before reset / after the end
    ├── LimitError                              a model larger than the limits allow
    ├── NumericError            (ArithmeticError)  a solver that did not converge
    ├── StoreError                              a results store that cannot be used as it is
    └── GoodhartIOError         (OSError)       reading or writing a file failed

The messages are the Rust core's: they name the file, line and field at fault, or list the names
that would have been accepted.
"""

from __future__ import annotations

import gymnasium.error

__all__ = [
    "GoodhartError",
    "InputError",
    "InvalidValueError",
    "InvalidActionError",
    "UnknownNameError",
    "UnknownParameterError",
    "StateError",
    "ResetNeeded",
    "LimitError",
    "NumericError",
    "StoreError",
    "GoodhartIOError",
]


class GoodhartError(Exception):
    """Base class of every error goodhart raises."""


class InputError(GoodhartError, ValueError):
    """A scenario file or experiment spec is malformed (the message names file, line, field)."""


class InvalidValueError(GoodhartError, ValueError):
    """A value (parameter, seed, option) is outside its valid range or form."""


class InvalidActionError(InvalidValueError):
    """An action is out of range, not an integer (a float, NaN, a string), or of the wrong shape."""


class UnknownNameError(GoodhartError, LookupError):
    """A name (scenario, variant, optimizer, objective, method) that is not known.

    The message lists the names that would have been accepted.
    """

    def __str__(self) -> str:  # LookupError subclasses like KeyError quote their message
        return str(self.args[0]) if self.args else ""


class UnknownParameterError(UnknownNameError, TypeError):
    """A keyword argument that is not a parameter of the scenario (like Python's own TypeError
    for an unexpected keyword argument)."""


class StateError(GoodhartError, RuntimeError):
    """An operation was called in the wrong state."""


class ResetNeeded(StateError, gymnasium.error.ResetNeeded):
    """``step`` was called before ``reset``, or after the episode ended without a new ``reset``.

    Also a :class:`gymnasium.error.ResetNeeded`, the exception Gymnasium's own order-enforcing
    wrapper raises.
    """


class LimitError(GoodhartError):
    """A model exceeded a limit (e.g. ``max_states`` of the exact compiler)."""


class NumericError(GoodhartError, ArithmeticError):
    """A numeric procedure failed: no convergence, or a non-finite value."""


class StoreError(GoodhartError):
    """A results store cannot be used as it is (corrupt, newer schema, not a store, SQLite error).

    The file is left as it was.
    """


class GoodhartIOError(GoodhartError, OSError):
    """Reading or writing a file failed."""
