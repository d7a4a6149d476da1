"""What the justice app registers at start-up: menu entries, dashboard panels, message handlers.

Each part (proceedings, compensation, teams, groups) adds one line to ``ready``.
"""

from __future__ import annotations


def ready() -> None:
    _proceedings()
    _teams()
    _compensation()
    _set_aside_reasons()


def _teams() -> None:
    from django.utils.translation import gettext_lazy as _

    from trm import navigation
    from trm.accounts.roles import Cap
    from trm.exchange import inbox
    from trm.justice import teams

    navigation.register(navigation.NavItem(_("Joint investigations"), "justice:teams", Cap.CRIMINAL_TRACK, order=62))
    inbox.register_handler(teams.TYPE, teams.on_jit_item)
    inbox.explain(type_=teams.TYPE, label=_("Item of a joint investigation team"))
    inbox.explain(
        code=teams.UNKNOWN_OPERATION,
        reason=_("This node holds no joint investigation team with this operation reference and the sender's country."),
    )


def _proceedings() -> None:
    """Proceedings: menu, case section, hearings on the dashboard, firewall, the return's warning, counts."""
    from django.utils.translation import gettext_lazy as _

    from trm import navigation
    from trm.accounts.roles import Cap
    from trm.cases import sections as case_sections
    from trm.dashboard import panels
    from trm.justice import access, sections, tallies
    from trm.lib import tallies as lib_tallies
    from trm.transnational import returns

    navigation.register(navigation.NavItem(_("Proceedings"), "justice:proceedings", Cap.CRIMINAL_TRACK, order=45))
    case_sections.register(sections.case_proceedings)
    case_sections.withhold_support(access.withheld_support)
    panels.register(sections.hearings_panel)
    returns.register(sections.testimony_warning)
    lib_tallies.register(tallies.TALLY)


def _compensation() -> None:
    from trm.justice import compensation_registry

    compensation_registry.ready()


def _set_aside_reasons() -> None:
    """Why a justice handler set a received message aside, in words (never the handler's code)."""
    from django.utils.translation import gettext_lazy as _

    from trm.exchange import inbox

    for code, reason in (
        ("no_linked_case", _("The conversation is about no case recorded at this node.")),
        ("unknown_currency", _("The amount's currency is not an ISO 4217 currency code.")),
        ("unknown_claim", _("This node passed on no compensation claim with this reference in this conversation.")),
        ("currency_differs", _("The answer gives its amounts in another currency than the claim's.")),
        (
            "payments_above_award",
            _("The payments listed add up to more than the amount awarded, or no amount was awarded."),
        ),
    ):
        inbox.explain(code=code, reason=reason)
