"""The item lookup of the document grids (erp/linegrid.py): JSON for the autocomplete."""

from django.http import JsonResponse

from erp.permissions import module_required

from . import selectors

# every module that enters documents with item lines opens it
ENTRY_MODULES = ("warehouse", "sales", "purchasing", "outsourcing", "production", "planning", "bom")


@module_required(ENTRY_MODULES)
def item_lookup(request):
    """?q=<number, name or pinyin initials>[&exact=1] → {"items": [{code, name, spec, uom}]}."""
    items = selectors.item_lookup(request.GET.get("q", ""), exact=request.GET.get("exact") == "1")
    return JsonResponse({"items": [{"code": i.code, "name": i.name, "spec": i.spec, "uom": str(i.uom)} for i in items]})
