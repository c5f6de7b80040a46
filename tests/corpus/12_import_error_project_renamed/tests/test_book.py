from addressbook.book import AddressBook


def test_lookup_any_format():
    book = AddressBook()
    book.add("ada lovelace", "+44 20 7946-0958")
    assert book.lookup("+442079460958") == "Ada Lovelace"
    assert book.lookup("123") is None
    assert book.names() == ["Ada Lovelace"]
