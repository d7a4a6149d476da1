"""The justice app's models, one module per part; each is imported here so Django finds it."""

from trm.justice.models.teams import (  # noqa: F401
    JointTeam,
    SharedItem,
    TeamCase,
    TeamMember,
    TeamParty,
)
