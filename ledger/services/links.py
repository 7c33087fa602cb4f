"""The vouchers of a document, shown on its page (erp.postings.document_links)."""

from django.urls import reverse

from ..models import Voucher


def voucher_links(source_type: str, source_id: int) -> list[tuple[str, str]]:
    return [
        (str(v), reverse("ledger:voucher", args=[v.pk]))
        for v in Voucher.objects.filter(source_type=source_type, source_id=source_id).order_by("pk")
    ]
