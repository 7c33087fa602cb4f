"""Statuses and allowed transitions of the sales documents."""

from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from erp.states import Flow


class OrderStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    CLOSED = "closed", pgettext_lazy("sales order", "Closed")
    CANCELLED = "cancelled", _("Cancelled")


ORDER_FLOW = Flow(
    {
        OrderStatus.DRAFT: {OrderStatus.CONFIRMED, OrderStatus.CANCELLED},
        OrderStatus.CONFIRMED: {OrderStatus.CLOSED, OrderStatus.CANCELLED},
    }
)


class QuotationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    ORDERED = "ordered", _("Turned into order")
    CANCELLED = "cancelled", _("Cancelled")


QUOTATION_FLOW = Flow(
    {
        QuotationStatus.DRAFT: {QuotationStatus.CONFIRMED, QuotationStatus.CANCELLED},
        QuotationStatus.CONFIRMED: {QuotationStatus.ORDERED, QuotationStatus.CANCELLED},
    }
)


class PostStatus(models.TextChoices):
    """Deliveries, returns, invoices, receipts: draft -> confirmed (posted) or cancelled."""

    DRAFT = "draft", _("Draft")
    CONFIRMED = "confirmed", _("Confirmed")
    CANCELLED = "cancelled", _("Cancelled")


POST_FLOW = Flow(
    {
        PostStatus.DRAFT: {PostStatus.CONFIRMED, PostStatus.CANCELLED},
    }
)


class ShipStatus(models.TextChoices):
    NONE = "none", _("Not shipped")  # 未出库
    PARTIAL = "partial", _("Partly shipped")  # 部分出库
    FULL = "full", _("Fully shipped")  # 全部出库


class ProgressStatus(models.TextChoices):
    UNPLANNED = "unplanned", _("Not arranged")  # 未安排
    IN_PRODUCTION = "in_production", _("In production")  # 生产中
    PARTIAL = "partial", _("Partly completed")  # 部分完工
    COMPLETED = "completed", _("Completed")  # 已完工


class Stage(models.TextChoices):
    INITIAL = "initial", _("Initial contact")  # 初步接触
    NEEDS = "needs", _("Needs confirmed")  # 需求确认
    PROPOSAL = "proposal", _("Proposal / quotation")  # 方案报价
    NEGOTIATION = "negotiation", _("Negotiation")  # 商务谈判
    WON = "won", _("Won")  # 赢单
    LOST = "lost", _("Lost")  # 输单


OPEN_STAGES = [Stage.INITIAL, Stage.NEEDS, Stage.PROPOSAL, Stage.NEGOTIATION]
# funnel rank: an opportunity at rank r has passed every stage of lower rank; won passed all
STAGE_RANK = {Stage.INITIAL: 1, Stage.NEEDS: 2, Stage.PROPOSAL: 3, Stage.NEGOTIATION: 4, Stage.WON: 5}


class LeadStatus(models.TextChoices):
    NEW = "new", _("New")
    CONVERTED = "converted", _("Converted")
    DISCARDED = "discarded", _("Discarded")


class TicketStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("ticket", "Open")
    IN_PROGRESS = "in_progress", _("In progress")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", pgettext_lazy("ticket", "Closed")


TICKET_FLOW = Flow(
    {
        TicketStatus.OPEN: {TicketStatus.IN_PROGRESS, TicketStatus.RESOLVED, TicketStatus.CLOSED},
        TicketStatus.IN_PROGRESS: {TicketStatus.RESOLVED, TicketStatus.CLOSED},
        TicketStatus.RESOLVED: {TicketStatus.CLOSED, TicketStatus.IN_PROGRESS},
    }
)


class InvoiceKind(models.TextChoices):
    BLUE = "blue", _("Blue (normal)")
    RED = "red", _("Red-letter")


class RedReason(models.TextChoices):
    WRONG = "1", _("1 Invoicing error")  # 开票有误
    RETURN = "2", _("2 Goods returned")  # 销货退回
    SERVICE_END = "3", _("3 Service terminated")  # 服务终止
    ALLOWANCE = "4", _("4 Sales allowance")  # 销售折让


# --------------------------------------------------------------------------- marketing (issue 19)
class CampaignChannel(models.TextChoices):
    TRADE_FAIR = "trade_fair", _("Trade fair")  # 展会
    ONLINE_ADS = "online_ads", _("Online ads")  # 网络广告
    WECHAT = "wechat", _("WeChat")  # 微信
    EMAIL = "email", _("E-mail campaign")  # 邮件营销
    PHONE = "phone", _("Telemarketing")  # 电话营销
    REFERRAL = "referral", _("Referral")  # 转介绍
    WEBSITE = "website", _("Website")  # 官网
    OTHER = "other", _("Other")


def source_label(value: str) -> str:
    """The source of a lead, opportunity or customer as shown: a campaign channel is stored as its
    code (`trade_fair`) and shown in the user's language; a source typed by a user shows as typed."""
    return str(CampaignChannel(value).label) if value in CampaignChannel.values else value


class CampaignStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    ACTIVE = "active", _("Active")
    DONE = "done", _("Finished")
    CANCELLED = "cancelled", _("Cancelled")


CAMPAIGN_FLOW = Flow(
    {
        CampaignStatus.PLANNED: {CampaignStatus.ACTIVE, CampaignStatus.CANCELLED},
        CampaignStatus.ACTIVE: {CampaignStatus.DONE, CampaignStatus.CANCELLED},
    }
)


class DuplicateDecisionKind(models.TextChoices):
    MERGED = "merged", _("Merged")
    KEPT = "kept", _("Kept both")
    LINKED = "linked", _("Linked to the customer")
