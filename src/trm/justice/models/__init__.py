"""The justice app's models, one module per part; each is imported here so Django finds it."""

from trm.justice.models.compensation import Claim, Payment  # noqa: F401
from trm.justice.models.groups import Group, GroupMember, GroupShare  # noqa: F401
