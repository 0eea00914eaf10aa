"""The menu's data model: what it holds, its queries and edits, search."""
