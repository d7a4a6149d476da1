from __future__ import annotations

from django.urls import path, re_path

from trm.network import views

app_name = "network"
urlpatterns = [
    path("", views.home, name="home"),
    path("countries/", views.country_list, name="countries"),
    path("countries/add/", views.country_add, name="country_add"),
    re_path(r"^countries/(?P<code>[A-Z]{2})/$", views.country_edit, name="country_edit"),
    path("organisations/", views.organisation_list, name="organisations"),
    path("organisations/add/", views.organisation_add, name="organisation_add"),
    path("people/", views.participant_list, name="participants"),
    path("people/add/", views.participant_add, name="participant_add"),
    path("people/import/", views.participant_import, name="participant_import"),
    re_path(r"^people/export\.(?P<fmt>csv|xlsx)$", views.participant_export, name="participant_export"),
    path("people/<int:pk>/", views.participant_detail, name="participant"),
    path("people/<int:pk>/edit/", views.participant_edit, name="participant_edit"),
    path("meetings/", views.meeting_list, name="meetings"),
    path("meetings/add/", views.meeting_add, name="meeting_add"),
    path("meetings/calendar.ics", views.calendar_ics, name="calendar_ics"),
    path("meetings/<int:pk>/", views.meeting_detail, name="meeting"),
    path("meetings/<int:pk>/edit/", views.meeting_edit, name="meeting_edit"),
    path("meetings/<int:pk>/sessions/add/", views.session_add, name="session_add"),
    path("meetings/<int:pk>/invite/", views.meeting_invite, name="meeting_invite"),
    path("meetings/<int:pk>/attendance/<int:attendance_pk>/", views.attendance_update, name="attendance_update"),
    path("meetings/<int:pk>/participants/", views.participants_print, name="participants_print"),
    re_path(
        r"^meetings/(?P<pk>\d+)/participants\.(?P<fmt>csv|xlsx)$", views.participants_export, name="participants_export"
    ),
    path("meetings/<int:pk>/minutes/", views.meeting_minutes, name="meeting_minutes"),
    path("meetings/<int:pk>/conclusions/add/", views.conclusion_add, name="conclusion_add"),
    path("meetings/<int:pk>/actions/add/", views.action_add, name="action_add"),
    re_path(r"^meetings/(?P<pk>\d+)/updates/(?P<code>[A-Z]{2})/$", views.country_update, name="country_update"),
    re_path(
        r"^meetings/(?P<pk>\d+)/updates/(?P<code>[A-Z]{2})/statistics/$",
        views.country_update_statistics,
        name="country_update_statistics",
    ),
    re_path(r"^meetings/(?P<pk>\d+)/report\.(?P<fmt>pdf|md)$", views.meeting_report, name="meeting_report"),
    path("meetings/<int:pk>/meeting.ics", views.meeting_ics, name="meeting_ics"),
    path("actions/", views.commitments, name="commitments"),
    path("actions/<int:pk>/", views.action_detail, name="action"),
    path("nodes/", views.node_list, name="nodes"),
    path("nodes/add/", views.node_add, name="node_add"),
    path("nodes/<int:pk>/", views.node_edit, name="node_edit"),
    path("nodes/trust-list.json", views.trust_list_entries, name="trust_list"),
]
