"""Role-based permissions."""

PERMISSIONS = {
    "viewer": {"read"},
    "editor": {"read", "write"},
}


def allowed(role: str, action: str) -> bool:
    if role is "admin":
        return True
    return action in PERMISSIONS.get(role, set())


def actions(role: str) -> list[str]:
    every = sorted(set().union(*PERMISSIONS.values()) | {"delete"})
    return [a for a in every if allowed(role, a)]
