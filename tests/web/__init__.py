"""Browser tests. A package (not just a directory) so that pytest's package scope ends with it: the browser
fixtures in conftest.py are torn down when the last test here has run (see the `browser` fixture)."""
