"""Import messages (lazy: translated when shown), for whole-file refusals and row problems."""

from django.utils.translation import gettext_lazy as _

WRONG_TYPE = _("The file must be a spreadsheet in .csv or .xlsx format.")
NOT_XLSX = _("The file has the .xlsx extension but is not an Excel spreadsheet.")
BINARY_CSV = _("The file has the .csv extension but is not a text (CSV) file.")
UNREADABLE_XLSX = _("The Excel spreadsheet could not be read: the file is damaged or is not an .xlsx.")
ZIP_BOMB = _("The spreadsheet expands to an unreasonable size and was refused.")
EMPTY_FILE = _("The file is empty.")
HEADER_ONLY = _("The file has a header but no data rows.")
TOO_BIG = _("The file is larger than the %(limit)s limit.")
TOO_MANY_ROWS = _("The file has more than %(rows)d rows, the import limit.")
MISSING_COLUMNS = _("Required columns are missing from the header: %(columns)s.")
UNREADABLE = _("The file could not be read (%(detail)s).")
FIRST_SHEET_ONLY = _("The spreadsheet has %(count)d sheets: only the first one was imported.")
REQUIRED = _("Required.")
TOO_LONG = _("Too long: at most %(chars)d characters.")
FORMULA = _("Spreadsheet formulas are not accepted.")
WORKER_LOST = _("The import was interrupted and resumed.")
FAILED = _("The import failed: %(detail)s")
