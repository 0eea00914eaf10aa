"""The data files and the written files: decoding, reading, loading, formats, safe writes."""
