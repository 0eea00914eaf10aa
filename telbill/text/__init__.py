"""Languages, message catalogs and escaping text for the screen."""
