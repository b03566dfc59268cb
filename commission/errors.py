"""What a service says when it refuses. Each carries a message the user can read, in their language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from commission.i18n import Message, msg


class CommissionError(Exception):
    status = 400

    def __init__(self, message: Message) -> None:
        super().__init__(message.msgid)
        self.message = message


class NotFound(CommissionError):
    status = 404

    def __init__(self, message: Message | None = None) -> None:
        super().__init__(message or msg("This record does not exist."))


class Forbidden(CommissionError):
    status = 403

    def __init__(self, message: Message | None = None) -> None:
        super().__init__(message or msg("You are not allowed to do this."))


class InvalidInput(CommissionError):
    """Bad input: one or more messages per field (``""`` for the form as a whole)."""

    status = 400

    def __init__(self, errors: Mapping[str, Sequence[Message]]) -> None:
        self.errors = {name: list(messages) for name, messages in errors.items() if messages}
        first = next(iter(self.errors.values()))[0] if self.errors else msg("The input is not valid.")
        super().__init__(first)


class ConcurrentChange(CommissionError):
    status = 409

    def __init__(self, message: Message | None = None) -> None:
        super().__init__(message or msg("This record changed meanwhile: reload the page and try again."))


class TransitionRefused(CommissionError):
    """A workflow step refused: not possible from the current state, or a guard said no (with why)."""

    status = 409

    def __init__(self, message: Message, *more: Message) -> None:
        super().__init__(message)
        self.messages = [message, *more]
