"""Every typed key of the gateway's aiohttp application, in one place; ``create_app`` sets them all.

This module imports only the types the keys carry, and none of the modules that read the keys, so a
handler module and the app factory can both depend on it without depending on each other.
"""

from __future__ import annotations

from aiohttp import web

from handoff.accounts import AccountStore
from handoff.dashboard_query import ReportSource
from handoff.gateway import Gateway
from handoff.settings import Settings
from knowledge_base.faqs.store import FaqStore
from knowledge_base.live import LiveKnowledgeBase

GATEWAY_KEY = web.AppKey("gateway", Gateway)
SETTINGS_KEY = web.AppKey("settings", Settings)
ACCOUNTS_KEY = web.AppKey("accounts", AccountStore)
REPORT_SOURCE_KEY: web.AppKey[ReportSource] = web.AppKey("report_source")
# Present only when the editor is enabled (settings.enable_editor).
FAQ_STORE_KEY = web.AppKey("faq_store", FaqStore)
LIVE_KB_KEY = web.AppKey("faq_live_kb", LiveKnowledgeBase)
