"""Temperature conversions and a comfort classification."""


def fahrenheit(celsius: float) -> float
    return round(celsius * 9 / 5 + 32, 1)


def celsius(fahrenheit_value: float) -> float:
    return round((fahrenheit_value - 32) * 5 / 9, 1)


def comfort(celsius_value: float) -> str:
    if celsius_value < 18:
        return "cold"
    if celsius_value <= 24:
        return "comfortable"
    return "hot"
