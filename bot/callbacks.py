"""Callback data factories. Everything in them is untrusted input: handlers re-validate."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MenuCb(CallbackData, prefix="m"):
    action: str  # main | clusters | measures | ask | join | myapps | privacy | lang | help | broadcast


class ClusterListCb(CallbackData, prefix="cl"):
    page: int = 0
    status: str = ""  # "" | active | creating
    region: int = -1  # index into KnowledgeBase.regions(); -1 = any


class RegionPickCb(CallbackData, prefix="rg"):
    status: str = ""


class ClusterCb(CallbackData, prefix="c"):
    id: int
    src: str = "l"  # l = opened from the list (edit in place, Back to the list); q = from an answer
    page: int = 0
    status: str = ""
    region: int = -1


class MeasureListCb(CallbackData, prefix="ml"):
    kind: str = ""  # "" = the overview of kinds


class MeasureCb(CallbackData, prefix="me"):
    id: int
    src: str = "l"


class FaqCb(CallbackData, prefix="f"):
    id: int


class MoreCb(CallbackData, prefix="mo"):
    """"Подробнее" under a short answer: the entry's full card."""

    kind: str  # cluster | measure | faq
    id: int


class LangCb(CallbackData, prefix="lg"):
    code: str


class JoinCb(CallbackData, prefix="j"):
    cluster: int = 0  # 0 = let the user choose


class FormCb(CallbackData, prefix="fm"):
    """Buttons of the join dialogue: back, cancel, skip, cluster, region, region_list, consent,
    send, edit, continue, restart."""

    action: str
    value: str = ""


class StaffCb(CallbackData, prefix="st"):
    action: str  # take | accept | reject | info
    app: int


class AppReplyCb(CallbackData, prefix="ar"):
    app: int  # the applicant answers the staff about this application


class MyAppCb(CallbackData, prefix="ma"):
    app: int


class HandoffCb(CallbackData, prefix="ho"):
    action: str = "ask"  # ask | reply
    id: int = 0


class ExportCb(CallbackData, prefix="ex"):
    status: str = ""
    cluster: int = 0
    days: int = 0  # 0 = all time
    go: int = 0  # 1 = build the files


class CampaignCb(CallbackData, prefix="cp"):
    action: str  # pause | resume | cancel | show
    id: int


class BroadcastCb(CallbackData, prefix="bc"):
    """The composer's buttons: join (value = cluster id, 0 = off), unsub, next, aud (kind),
    audval (kind + value), preview, send, schedule, edit, cancel."""

    action: str
    value: str = ""
    kind: str = ""  # audval: language | region | cluster | status (":" can't be inside a value)


class SubCb(CallbackData, prefix="sb"):
    on: int  # 1 = subscribe, 0 = unsubscribe


class PrivacyCb(CallbackData, prefix="pv"):
    """/privacy buttons: show | download | sub | unsub | withdraw | confirm. `uid` is whose
    screen it is: a button pressed by anyone else does nothing."""

    action: str
    uid: int
