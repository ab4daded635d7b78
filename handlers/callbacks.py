"""Callback data factories. Everything in them is untrusted input: handlers re-validate."""

from __future__ import annotations

from aiogram.filters.callback_data import CallbackData


class MenuCb(CallbackData, prefix="m"):
    action: str  # main | clusters | measures | ask | join | lang | help


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


class LangCb(CallbackData, prefix="lg"):
    code: str
