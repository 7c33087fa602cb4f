# Date inputs render and read ISO first in every language (issue #10): `<input type="date">`
# only takes YYYY-MM-DD. Text dates elsewhere keep the language's DATE_FORMAT.
DATE_INPUT_FORMATS = ["%Y-%m-%d", "%Y/%m/%d"]
DATETIME_INPUT_FORMATS = [
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M",
    "%Y/%m/%d %H:%M",
]
