"""The batch bill (``telbill bill``): the run, its parts and the worker processes."""
