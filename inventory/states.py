from erp.states import Flow

from .models import StockCountStatus, StockDocStatus

# Other receipt / other issue / transfer: draft -> confirmed (审核, posts) -> cancelled (reversing moves).
DOC_FLOW = Flow(
    {
        StockDocStatus.DRAFT: {StockDocStatus.CONFIRMED, StockDocStatus.CANCELLED},
        StockDocStatus.CONFIRMED: {StockDocStatus.CANCELLED},
    }
)
# Stock count: open (counting, moves of its items frozen) -> confirmed (gains/losses posted) -> cancelled.
COUNT_FLOW = Flow(
    {
        StockCountStatus.OPEN: {StockCountStatus.CONFIRMED, StockCountStatus.CANCELLED},
        StockCountStatus.CONFIRMED: {StockCountStatus.CANCELLED},
    }
)
