"""Importing gifts from CSV or XLSX with the contacts import machinery
(reading files, guessing columns, matching contacts), in steps:

1. upload (`run.new_import`, with the contacts importer's `upload.Intake`:
   the file is checked and read once, in the request or in the worker for a
   big file, keeping the first rows the later pages show; the bytes are kept
   on the `GiftImport` row so a worker on another host can read them);
2. map columns to gift fields (`fields`: guesses from headers and synonyms),
   choose how donors are matched (email, or name and postcode) and whether
   a donor who is not found is created as a new contact or the row skipped;
3. preview (`check.check_rows`: bad amount, bad date, unknown fund or appeal,
   donor not found, each by its row);
4. run (`run`: the "pipeline.import_gifts" job, in chunks, with progress, a
   summary and the failed rows as CSV), and undo (`run.undo`: deletes the
   gifts and the contacts it created).

`flask pipeline import-gifts FILE` runs the same steps without a job.
"""
