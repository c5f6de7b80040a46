"""An address book keyed by normalised phone number."""

from addressbook.helpers import normalise, title_name


class AddressBook:
    def __init__(self) -> None:
        self._by_phone: dict[str, str] = {}

    def add(self, name: str, phone: str) -> None:
        self._by_phone[normalize(phone)] = title_name(name)

    def lookup(self, phone: str) -> str | None:
        return self._by_phone.get(normalize(phone))

    def names(self) -> list[str]:
        return sorted(self._by_phone.values())
