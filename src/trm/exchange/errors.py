"""Errors of the trm/1 protocol core (pure: no Django, no I/O).

Two families, as in h11:

* ``LocalProtocolError``: *we* tried to build, seal or look up something that the
  protocol does not allow (a bug or a refused action on our side);
* ``RemoteProtocolError``: a peer (or the network authority) sent something that the
  protocol does not allow.

Both carry a stable ``code`` (a ``Code`` string) that never changes meaning once
released; ``HTTP_STATUS`` maps each code to the HTTP status an inbox answers with.
The ``detail`` text is for operators: it never contains personal data, only field
names, identifiers of nodes, keys and messages, and times.
"""

from __future__ import annotations

from enum import StrEnum
from typing import NoReturn


class Code(StrEnum):
    # Transport-level shape of the token.
    OVERSIZED = "oversized"
    MALFORMED_TOKEN = "malformed_token"  # noqa: S105 - an error code, not a secret  # nosec B105
    UNSUPPORTED_VERSION = "unsupported_version"
    # Encryption layer.
    UNKNOWN_RECIPIENT_KEY = "unknown_recipient_key"
    UNDECRYPTABLE = "undecryptable"
    # Signature layer and trust.
    UNKNOWN_SENDER = "unknown_sender"
    UNKNOWN_SENDER_KEY = "unknown_sender_key"
    SENDER_REVOKED = "sender_revoked"
    KEY_REVOKED = "key_revoked"
    KEY_NOT_VALID = "key_not_valid"
    NO_ENCRYPTION_KEY = "no_encryption_key"
    BAD_SIGNATURE = "bad_signature"
    # Envelope.
    MALFORMED_ENVELOPE = "malformed_envelope"
    WRONG_RECIPIENT = "wrong_recipient"
    EXPIRED = "expired"
    CREATED_IN_FUTURE = "created_in_future"
    LIFETIME_TOO_LONG = "lifetime_too_long"
    REPLAYED = "replayed"
    UNKNOWN_TYPE = "unknown_type"
    PURPOSE_NOT_ALLOWED = "purpose_not_allowed"
    MISSING_SAFEGUARD = "missing_safeguard"
    # Body.
    BODY_FIELD_NOT_ALLOWED = "body_field_not_allowed"
    SCHEMA_VIOLATION = "schema_violation"
    ASYLUM_SEEKER_IDENTITY_REQUEST = "asylum_seeker_identity_request"
    FAMILY_TRACING_NOT_CHILD = "family_tracing_not_child"
    # Receipts.
    MALFORMED_RECEIPT = "malformed_receipt"
    RECEIPT_MISMATCH = "receipt_mismatch"
    # Trust list.
    TRUST_LIST_MALFORMED = "trust_list_malformed"
    TRUST_LIST_BAD_SIGNATURE = "trust_list_bad_signature"
    TRUST_LIST_EXPIRED = "trust_list_expired"
    TRUST_LIST_NOT_YET_VALID = "trust_list_not_yet_valid"
    TRUST_LIST_ROLLBACK = "trust_list_rollback"
    # Our own state: the trust list we hold has expired (we must fetch a new one).
    NO_CURRENT_TRUST_LIST = "no_current_trust_list"


# The status an inbox answers a refused message with (the body is a signed receipt with
# status "rejected" and this code). 4xx statuses are final: the sender does not retry the
# same token. Trust-list and receipt codes never come back from an inbox; their status
# is what a node's own API reports when it refuses a trust list or a receipt.
HTTP_STATUS: dict[Code, int] = {
    Code.OVERSIZED: 413,
    Code.MALFORMED_TOKEN: 400,
    Code.UNSUPPORTED_VERSION: 400,
    Code.UNKNOWN_RECIPIENT_KEY: 421,
    Code.UNDECRYPTABLE: 400,
    Code.UNKNOWN_SENDER: 403,
    Code.UNKNOWN_SENDER_KEY: 403,
    Code.SENDER_REVOKED: 403,
    Code.KEY_REVOKED: 403,
    Code.KEY_NOT_VALID: 403,
    Code.NO_ENCRYPTION_KEY: 409,
    Code.BAD_SIGNATURE: 403,
    Code.MALFORMED_ENVELOPE: 422,
    Code.WRONG_RECIPIENT: 421,
    Code.EXPIRED: 422,
    Code.CREATED_IN_FUTURE: 422,
    Code.LIFETIME_TOO_LONG: 422,
    # A replayed id is answered 200 with a "duplicate" receipt: delivery is idempotent.
    Code.REPLAYED: 200,
    Code.UNKNOWN_TYPE: 422,
    Code.PURPOSE_NOT_ALLOWED: 422,
    Code.MISSING_SAFEGUARD: 422,
    Code.BODY_FIELD_NOT_ALLOWED: 422,
    Code.SCHEMA_VIOLATION: 422,
    Code.ASYLUM_SEEKER_IDENTITY_REQUEST: 451,
    Code.FAMILY_TRACING_NOT_CHILD: 422,
    Code.MALFORMED_RECEIPT: 502,
    Code.RECEIPT_MISMATCH: 502,
    Code.TRUST_LIST_MALFORMED: 422,
    Code.TRUST_LIST_BAD_SIGNATURE: 422,
    Code.TRUST_LIST_EXPIRED: 422,
    Code.TRUST_LIST_NOT_YET_VALID: 422,
    Code.TRUST_LIST_ROLLBACK: 409,
    Code.NO_CURRENT_TRUST_LIST: 503,
}


class ProtocolError(Exception):
    """Base of every trm/1 error; ``code`` is stable, ``detail`` is free of personal data."""

    def __init__(self, code: Code, detail: str = "", *, message_id: str | None = None) -> None:
        self.code = Code(code)
        self.detail = detail
        # The id of the message concerned, once it is known (used for receipts).
        self.message_id = message_id
        super().__init__(f"{self.code}: {detail}" if detail else str(self.code))

    @property
    def http_status(self) -> int:
        return HTTP_STATUS[self.code]


class LocalProtocolError(ProtocolError):
    """We tried to do something the protocol forbids (build, seal, look up)."""

    def _reraise_as_remote_protocol_error(self) -> NoReturn:
        # A check shared by both sides failed on data that came from a peer.
        raise RemoteProtocolError(self.code, self.detail, message_id=self.message_id) from self


class RemoteProtocolError(ProtocolError):
    """A peer (or the network authority) sent something the protocol forbids."""
