"""Importing contacts from CSV and XLSX files, in five steps:

1. upload (`run.new_run` through `upload.Intake`, which gift import shares:
   `reading.check` refuses spreadsheet bombs from the sizes alone,
   `reading.inspect` reads the file once — in the request, or in the worker
   for a big file — for encoding, delimiter, headers, row count and the
   first rows, which the later pages show; the bytes are kept in the
   database, an `ImportFile` beside the `ImportRun`, so a worker on another
   host can read them);
2. map columns to fields (`mapping`: automatic guesses from headers and
   synonyms, saved mappings);
3. preview (`plan.preview`: the first `plan.PREVIEW_LIMIT` rows, kept at
   upload, are checked in the request; the job checks every row before writing it —
   rows with problems are never written and go to the failed-rows file);
4. match rules (`matching`: by email, by name and postcode, or none; then
   update or skip matches, create or skip new rows);
5. run (`run`: the "contacts.import" job, chunked bulk inserts, progress,
   summary, failed rows as CSV) and undo (`undo`).

The CLI (`flask contacts import`) runs the same pipeline without a job.
"""
