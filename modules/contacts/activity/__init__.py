"""What happens to a contact over time: the timeline and tasks."""
