"""How results leave the library: the format a file is written in, chosen from its suffix or an option."""
