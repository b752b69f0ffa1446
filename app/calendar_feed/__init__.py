"""Each user's private iCalendar feed: a secret URL (revocable, reset at
will) that a calendar app subscribes to, listing what the enabled modules
contribute for that user (`Module.calendar`: tasks due, expected close
dates). See docs/integrations.md, "Calendar feed"."""
