"""`{% print_buttons "crm:order" order.pk %}`: the Print and PDF buttons of a document's detail
page, linking to `<prefix>_print` and `<prefix>_pdf` (erp.printing)."""

from django import template
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

register = template.Library()


@register.simple_tag
def print_buttons(prefix: str, pk) -> str:
    return format_html(
        '<a class="btn btn-outline-secondary btn-sm" href="{}" target="_blank" rel="noopener">{}</a> '
        '<a class="btn btn-outline-secondary btn-sm" href="{}">{}</a>',
        reverse(f"{prefix}_print", args=[pk]),
        _("Print"),
        reverse(f"{prefix}_pdf", args=[pk]),
        _("PDF"),
    )
