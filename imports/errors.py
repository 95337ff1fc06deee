"""Import messages (lazy: translated when shown), for whole-file refusals and row problems."""

from django.utils.translation import gettext_lazy as N_

WRONG_TYPE = N_("The file must be a spreadsheet in .csv or .xlsx format.")
NOT_XLSX = N_("The file has the .xlsx extension but is not an Excel spreadsheet.")
BINARY_CSV = N_("The file has the .csv extension but is not a text (CSV) file.")
UNREADABLE_XLSX = N_("The Excel spreadsheet could not be read: the file is damaged or is not an .xlsx.")
ZIP_BOMB = N_("The spreadsheet expands to an unreasonable size and was refused.")
EMPTY_FILE = N_("The file is empty.")
HEADER_ONLY = N_("The file has a header but no data rows.")
TOO_BIG = N_("The file is larger than the %(limit)s limit.")
TOO_MANY_ROWS = N_("The file has more than %(rows)d rows, the import limit.")
MISSING_COLUMNS = N_("Required columns are missing from the header: %(columns)s.")
UNREADABLE = N_("The file could not be read (%(detail)s).")
FIRST_SHEET_ONLY = N_("The spreadsheet has %(count)d sheets: only the first one was imported.")
REQUIRED = N_("Required.")
TOO_LONG = N_("Too long: at most %(chars)d characters.")
FORMULA = N_("Spreadsheet formulas are not accepted.")
WORKER_LOST = N_("The import was interrupted and resumed.")
FAILED = N_("The import failed: %(detail)s")
