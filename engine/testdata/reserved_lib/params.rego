# A user library that would replace the built-in one.
package tailaudit.lib.params

value(key) := 1000
