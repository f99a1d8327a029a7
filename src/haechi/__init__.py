"""haechi: register victims' content as hashes, find re-uploads, preserve evidence, act."""

__version__ = "0.1.0"
