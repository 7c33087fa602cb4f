"""线索查重 (issue 19): leads and customers matched by normalised phone, e-mail, company name and
tax ID; merge, keep both (with a reason) or link a lead to an existing customer.

Normalisation (pure functions, docs/crm.md "Marketing"):
- phone: NFKC (full-width digits become ASCII), digits only, a leading 86/0086 country code of a
  mobile number dropped; fewer than 7 digits is no key.
- e-mail: NFKC, trimmed, lower-case.
- company: NFKC (full-width letters, digits and brackets become half-width), every space removed,
  lower-case, "(股份)"/"股份" before 有限公司 removed, 有限责任公司 → 有限公司; fewer than 2
  characters is no key.
- tax ID (统一社会信用代码): NFKC, upper-case, spaces and hyphens removed; fewer than 15 is no key.

Matching reads every lead and customer in two queries, whatever their number (the duplicates
report and the check on create/import); merged leads are left out.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from erp.errors import StateError, ValidationError
from erp.locks import lock_rows
from erp.types import User

from ..models import CampaignTouch, Customer, DuplicateDecision, FollowUp, Lead, Opportunity
from ..states import DuplicateDecisionKind, LeadStatus

KEYS = ("phone", "email", "company", "tax_id")
_SPACES = re.compile(r"\s+", re.UNICODE)
_COMPANY_VARIANTS = [
    ("(股份)", ""),
    ("股份有限公司", "有限公司"),
    ("有限责任公司", "有限公司"),
]


def norm_phone(value: str | None) -> str:
    digits = "".join(c for c in unicodedata.normalize("NFKC", value or "") if c.isdigit())
    if digits.startswith("0086"):
        digits = digits[4:]
    elif digits.startswith("86") and len(digits) == 13:
        digits = digits[2:]
    return digits if len(digits) >= 7 else ""


def norm_email(value: str | None) -> str:
    text = unicodedata.normalize("NFKC", value or "").strip().lower()
    return text if "@" in text else ""


def norm_company(value: str | None) -> str:
    text = _SPACES.sub("", unicodedata.normalize("NFKC", value or "")).lower()
    for old, new in _COMPANY_VARIANTS:
        text = text.replace(old, new)
    return text if len(text) >= 2 else ""


def norm_tax_id(value: str | None) -> str:
    text = unicodedata.normalize("NFKC", value or "").upper().replace("-", "")
    text = _SPACES.sub("", text)
    return text if len(text) >= 15 else ""


def keys_of(*, company="", phone="", email="", tax_id="") -> dict[str, str]:
    """{key kind: normalised value} of one record (empty keys left out)."""
    out = {
        "phone": norm_phone(phone),
        "email": norm_email(email),
        "company": norm_company(company),
        "tax_id": norm_tax_id(tax_id),
    }
    return {k: v for k, v in out.items() if v}


@dataclass
class Record:
    kind: str  # "lead" | "customer"
    pk: int
    label: str
    keys: dict[str, str]
    customer_id: int | None = None  # a lead's customer
    owner_id: int | None = None


@dataclass
class Match:
    record: Record
    matched_on: list[str] = field(default_factory=list)

    @property
    def matched_on_text(self) -> str:
        labels = key_labels()
        return ", ".join(str(labels[k]) for k in self.matched_on)


def key_labels() -> dict[str, str]:
    return {"phone": _("phone"), "email": _("email"), "company": _("company"), "tax_id": _("tax ID")}


def load_records() -> list[Record]:
    """Every lead (not merged) and every customer with its keys: two queries."""
    out = []
    leads = Lead.objects.filter(merged_into__isnull=True).values_list(
        "pk", "company", "phone", "email", "tax_id", "customer_id", "owner_id"
    )
    for pk, company, phone, email, tax_id, customer_id, owner_id in leads:
        keys = keys_of(company=company, phone=phone, email=email, tax_id=tax_id)
        out.append(Record("lead", pk, company, keys, customer_id, owner_id))
    customers = Customer.objects.values_list("pk", "code", "name", "phone", "email", "tax_id", "owner_id")
    for pk, code, name, phone, email, tax_id, owner_id in customers:
        keys = keys_of(company=name, phone=phone, email=email, tax_id=tax_id)
        out.append(Record("customer", pk, f"{code} {name}", keys, None, owner_id))
    return out


def _index(records: list[Record]) -> dict[tuple[str, str], list[Record]]:
    index: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for r in records:
        for k, v in r.keys.items():
            index[(k, v)].append(r)
    return index


def find_matches(
    *, company="", phone="", email="", tax_id="", exclude_lead_id: int | None = None, records=None
) -> list[Match]:
    """Leads and customers sharing a normalised key with the given values (leads first)."""
    keys = keys_of(company=company, phone=phone, email=email, tax_id=tax_id)
    if not keys:
        return []
    records = load_records() if records is None else records
    index = _index(records)
    found: dict[tuple[str, int], Match] = {}
    for k, v in keys.items():
        for r in index.get((k, v), []):
            if r.kind == "lead" and r.pk == exclude_lead_id:
                continue
            m = found.setdefault((r.kind, r.pk), Match(r))
            m.matched_on.append(k)
    return sorted(found.values(), key=lambda m: (m.record.kind != "lead", m.record.pk))


def lead_matches(lead: Lead, records=None) -> list[Match]:
    """Possible duplicates of an existing lead, without its own customer and decided pairs."""
    matches = find_matches(
        company=lead.company,
        phone=lead.phone,
        email=lead.email,
        tax_id=lead.tax_id,
        exclude_lead_id=lead.pk,
        records=records,
    )
    decided = _decided_pairs(lead_ids=[lead.pk])
    return [
        m
        for m in matches
        if not (m.record.kind == "customer" and m.record.pk == lead.customer_id)
        and _pair(lead.pk, m.record) not in decided
    ]


def _pair(lead_id: int, other: Record) -> tuple:
    if other.kind == "lead":
        return ("lead", min(lead_id, other.pk), max(lead_id, other.pk))
    return ("customer", lead_id, other.pk)


def _decided_pairs(lead_ids=None) -> set[tuple]:
    qs = DuplicateDecision.objects.all()
    if lead_ids is not None:
        from django.db.models import Q

        qs = qs.filter(Q(lead_id__in=lead_ids) | Q(other_lead_id__in=lead_ids))
    out = set()
    for lead_id, other_lead_id, customer_id in qs.values_list("lead_id", "other_lead_id", "other_customer_id"):
        if other_lead_id:
            out.add(("lead", min(lead_id, other_lead_id), max(lead_id, other_lead_id)))
        if customer_id:
            out.add(("customer", lead_id, customer_id))
    return out


@dataclass
class DuplicatePair:
    lead: Record
    other: Record
    matched_on: list[str]

    @property
    def matched_on_text(self) -> str:
        labels = key_labels()
        return ", ".join(str(labels[k]) for k in self.matched_on)


def duplicates_report() -> list[DuplicatePair]:
    """Possible duplicates among existing data: pairs (lead, lead) and (lead, customer) sharing a
    key, without the pairs already decided and a lead's own customer. Three queries.

    In a group of records sharing one key, every record is paired with the oldest lead of the
    group (not every pair with every other), so a big group gives a list as long as the group."""
    records = load_records()
    decided = _decided_pairs()
    pairs: dict[tuple, DuplicatePair] = {}
    for (k, _v), group in _index(records).items():
        leads = sorted((r for r in group if r.kind == "lead"), key=lambda r: r.pk)
        if not leads:
            continue
        first = leads[0]
        others = leads[1:] + [r for r in group if r.kind == "customer"]
        for other in others:
            if other.kind == "customer" and any(lead.customer_id == other.pk for lead in leads):
                continue
            key = _pair(first.pk, other)
            if key in decided:
                continue
            pair = pairs.setdefault(key, DuplicatePair(first, other, []))
            pair.matched_on.append(k)
    return sorted(pairs.values(), key=lambda p: (p.lead.pk, p.other.kind, p.other.pk))


# --------------------------------------------------------------------------- decisions
FILLED_FIELDS = ("contact_name", "phone", "email", "tax_id", "industry", "source")


@transaction.atomic
def lead_merge(*, lead_id: int, into_id: int, user: User, reason: str = "") -> Lead:
    """Merge the duplicate lead `lead_id` into the lead `into_id` (the one kept). Follow-ups,
    opportunities and campaign touches move to the kept lead; the duplicate's campaign becomes a
    touch of the kept lead (attribution keeps it); blank fields of the kept lead are filled from
    the duplicate. Owner rule: the kept lead's owner; if it has none, the duplicate's owner.
    The duplicate stays (discarded, `merged_into` set) with its history. Idempotent."""
    if lead_id == into_id:
        raise ValidationError(_("A lead cannot be merged into itself."))
    rows = lock_rows(Lead.objects.all(), [lead_id, into_id])
    if len(rows) != 2:
        raise ValidationError(_("The lead does not exist."))
    dup, kept = rows[lead_id], rows[into_id]
    if dup.merged_into_id == kept.pk:
        return kept
    if dup.merged_into_id or kept.merged_into_id:
        raise StateError(_("The lead %(lead)s was merged already.") % {"lead": dup if dup.merged_into_id else kept})
    if dup.customer_id and kept.customer_id and dup.customer_id != kept.customer_id:
        raise StateError(
            _("The two leads belong to different customers (%(a)s, %(b)s): they cannot be merged.")
            % {"a": dup.customer, "b": kept.customer}
        )
    matched = _matched_on(dup, kept)
    FollowUp.objects.filter(lead=dup).update(lead=kept)
    Opportunity.objects.filter(lead=dup).update(lead=kept)
    CampaignTouch.objects.filter(lead=dup).update(lead=kept)
    if dup.campaign_id:
        CampaignTouch.objects.create(
            campaign_id=dup.campaign_id,
            lead=kept,
            touched_at=dup.created_at,
            note=_("merged duplicate lead #%(pk)s") % {"pk": dup.pk},
        )
    changed = []
    for name in FILLED_FIELDS:
        if not getattr(kept, name) and getattr(dup, name):
            setattr(kept, name, getattr(dup, name))
            changed.append(name)
    if kept.owner_id is None and dup.owner_id is not None:
        kept.owner_id = dup.owner_id
        changed.append("owner")
    if kept.customer_id is None and dup.customer_id is not None:
        kept.customer_id, kept.converted_at, kept.status = dup.customer_id, dup.converted_at, dup.status
        changed += ["customer", "converted_at", "status"]
    if changed:
        kept.save()
    dup.merged_into = kept
    dup.status = LeadStatus.DISCARDED
    dup.note = (dup.note + "\n" if dup.note else "") + _("Merged into lead #%(pk)s.") % {"pk": kept.pk}
    dup.save()
    DuplicateDecision.objects.create(
        lead=dup,
        other_lead=kept,
        decision=DuplicateDecisionKind.MERGED,
        reason=(reason or "").strip()[:200],
        matched_on=matched,
        user=user,
    )
    return kept


def _matched_on(lead: Lead, other) -> str:
    company = getattr(other, "company", None) or getattr(other, "name", "")
    a = keys_of(company=lead.company, phone=lead.phone, email=lead.email, tax_id=lead.tax_id)
    b = keys_of(company=company, phone=other.phone, email=other.email, tax_id=other.tax_id)
    return ",".join(k for k in KEYS if k in a and a[k] == b.get(k))


@transaction.atomic
def lead_keep_both(
    *, lead_id: int, user: User, reason: str, other_lead_id: int | None = None, customer_id: int | None = None
) -> DuplicateDecision:
    """Keep both records; the reason is required. The pair leaves the duplicates report."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError(_("Give a reason for keeping both records."))
    if bool(other_lead_id) == bool(customer_id):
        raise ValidationError(_("Name the other lead or the customer."))
    if other_lead_id == lead_id:
        raise ValidationError(_("A lead cannot be a duplicate of itself."))
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    other: Lead | Customer = (
        Lead.objects.get(pk=other_lead_id) if other_lead_id else Customer.objects.get(pk=customer_id or 0)
    )
    existing = DuplicateDecision.objects.filter(
        lead=lead, other_lead_id=other_lead_id, other_customer_id=customer_id, decision=DuplicateDecisionKind.KEPT
    ).first()
    if existing:
        return existing
    return DuplicateDecision.objects.create(
        lead=lead,
        other_lead_id=other_lead_id,
        other_customer_id=customer_id,
        decision=DuplicateDecisionKind.KEPT,
        reason=reason[:200],
        matched_on=_matched_on(lead, other),
        user=user,
    )


@transaction.atomic
def lead_link_customer(*, lead_id: int, customer_id: int, user: User) -> Lead:
    """The lead is an existing customer: link it (its campaign then counts as a touch of that
    customer for attribution). A lead linked to another customer is refused. Idempotent."""
    lead = Lead.objects.select_for_update().get(pk=lead_id)
    customer = Customer.objects.get(pk=customer_id)
    if lead.customer_id == customer.pk:
        return lead
    if lead.customer_id:
        raise StateError(_("The lead belongs to the customer %(c)s already.") % {"c": lead.customer})
    if lead.merged_into_id:
        raise StateError(_("The lead %(lead)s was merged already.") % {"lead": lead})
    lead.customer = customer
    lead.converted_at = lead.converted_at or timezone.now()
    lead.save()
    DuplicateDecision.objects.create(
        lead=lead,
        other_customer=customer,
        decision=DuplicateDecisionKind.LINKED,
        matched_on=_matched_on(lead, customer),
        user=user,
    )
    return lead
