"""Documents and who may read or edit them."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class User:
    name: str
    is_admin: bool = False


@dataclass
class Document:
    title: str
    owner: str
    shared_with: set[str] = field(default_factory=set)
    public: bool = False


def can_read(user: User, document: Document) -> bool:
    return document.public or user.name in document.shared_with or can_edit(user, document)


def can_edit(user: User, document: Document) -> bool:
    return user.is_admin and document.owner == user.name


def editable(user: User, documents: list[Document]) -> list[str]:
    return [d.title for d in documents if can_edit(user, d)]
