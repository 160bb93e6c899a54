"""Changing files: applying the fixes findings carry, and suppression comments."""
