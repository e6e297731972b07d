"""Smart routing (智能分派): item suggestions from text, duplicates, recurring problems."""
