"""Hash banks: registered content as signals only, with labels, withdrawal and exchange files.

The service functions live in :mod:`haechi.banks.service`; this package exports the records.
"""

from haechi.banks.model import Bank, BankEntry, NewEntry

__all__ = ["Bank", "BankEntry", "NewEntry"]
