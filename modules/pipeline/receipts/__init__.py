"""Receipts and acknowledgements: thank-you letters for gifts, year-end
giving statements for donors and tribute notifications, written by
administrators as templates (ReceiptTemplate), rendered by the core
template service (app.templating: its sandbox and limits), printed to
PDF with WeasyPrint, and emailed or downloaded for printing.

    fields.py    the merge fields a template may use, built from the records
    checks.py    what the template editor checks: merge fields, a trial render
    letters.py   one letter: choose the template, render it, make the PDF
    pdf.py       HTML -> PDF (paper size, letterhead frame), combining PDFs
    deliver.py   email a letter or record its download; Acknowledgement rows
    scope.py     which gifts / donors a batch run touches, and its counts
    batch.py     the "pipeline.receipts" background job
    options.py   the module settings receipts use (address, paper size, ...)

See docs/receipts.md for what users and administrators see.
"""
