"""Content credentials (C2PA): sign a declared output's audio, read a track back."""
