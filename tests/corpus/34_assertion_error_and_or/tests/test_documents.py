from documents import Document, User, can_edit, can_read, editable

ANN, BOB, ROOT = User("ann"), User("bob"), User("root", is_admin=True)


def test_owner_and_admin_edit():
    doc = Document("plan", owner="ann")
    assert can_edit(ANN, doc)
    assert can_edit(ROOT, doc)
    assert not can_edit(BOB, doc)


def test_read_and_list():
    doc = Document("notes", owner="ann", shared_with={"bob"})
    assert can_read(BOB, doc) and not can_edit(BOB, doc)
    assert editable(ANN, [doc, Document("x", owner="bob")]) == ["notes"]
