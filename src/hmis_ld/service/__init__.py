"""Operations on records and scenarios, independent of HTTP."""
