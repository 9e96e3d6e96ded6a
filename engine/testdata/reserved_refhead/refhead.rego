package tailaudit

# A ref head that lands inside the built-in library.
lib.params.extra := 1
