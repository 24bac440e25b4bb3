"""Input channels: the guard every message passes, REST, the website widget."""
